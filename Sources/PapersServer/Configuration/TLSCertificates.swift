import Foundation
import Logging
import NIOSSL
import ServiceLifecycle
import Synchronization
import UnixSignals

/// `--tls-cert PEM --tls-key PEM`: the server's certificate chain and key as a TLS context, read
/// again on SIGHUP (certbot's renewal hook: `systemctl reload papers`). New connections get the
/// new certificate; connections already open keep theirs. A reload that fails (a half-written file,
/// a key that does not match) keeps the old context and says why in the log.
public final class TLSCertificates: Sendable {
    let certificatePath: String
    let keyPath: String
    private let context: Mutex<NIOSSLContext>

    /// - Throws: `Failure` when the files cannot be read or do not make a TLS context.
    public init(certificate: String, key: String) throws {
        certificatePath = certificate
        keyPath = key
        context = Mutex(try Self.load(certificate: certificate, key: key))
    }

    /// Why the certificate or key cannot be used, in one line.
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    /// The context new connections use.
    var current: NIOSSLContext { context.withLock { $0 } }

    /// Reads both files again and swaps the context in.
    /// - Throws: `Failure` (the old context stays).
    func reload() throws {
        let fresh = try Self.load(certificate: certificatePath, key: keyPath)
        context.withLock { $0 = fresh }
    }

    static func load(certificate: String, key: String) throws -> NIOSSLContext {
        let chain: [NIOSSLCertificate]
        do {
            chain = try NIOSSLCertificate.fromPEMFile(certificate)
        } catch {
            throw Failure(description: "--tls-cert \(certificate): not a readable PEM certificate (\(error))")
        }
        guard !chain.isEmpty else { throw Failure(description: "--tls-cert \(certificate) holds no certificate") }
        let privateKey: NIOSSLPrivateKey
        do {
            privateKey = try NIOSSLPrivateKey(file: key, format: .pem)
        } catch {
            throw Failure(description: "--tls-key \(key): not a readable PEM private key (\(error))")
        }
        var configuration = TLSConfiguration.makeServerConfiguration(certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(privateKey))
        configuration.minimumTLSVersion = .tlsv12
        configuration.applicationProtocols = ["h2", "http/1.1"]
        do {
            return try NIOSSLContext(configuration: configuration)
        } catch {
            throw Failure(description: "--tls-cert and --tls-key do not make a TLS context (does the key match the certificate?): \(error)")
        }
    }
}

/// Reloads `TLSCertificates` on each SIGHUP, until the server stops.
struct TLSReloader: Service {
    let certificates: TLSCertificates
    let logger: Logger

    func run() async throws {
        let hangups = await UnixSignalsSequence(trapping: .sighup)
        try await cancelWhenGracefulShutdown {
            for await _ in hangups {
                do {
                    try certificates.reload()
                    logger.notice("SIGHUP: reloaded the TLS certificate \(certificates.certificatePath)")
                } catch {
                    logger.error("SIGHUP: kept the old TLS certificate: \(error)")
                }
            }
        }
    }
}
