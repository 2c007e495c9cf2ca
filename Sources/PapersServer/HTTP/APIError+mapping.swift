import GRDB
import Hummingbird
import NIOCore
import PapersCore

extension APIError {
    /// The one place where the errors of the other layers become HTTP errors. `nil`: an unexpected
    /// error, answered as a 500 without details (the details go to the log).
    static func from(_ error: any Error) -> APIError? {
        switch error {
        case let error as APIError:
            return error
        case let error as ClosingConnection:
            guard var mapped = from(error.underlying) else { return nil }
            mapped.headers[.connection] = "close"
            return mapped
        case let error as DatabaseError where error.resultCode == .SQLITE_FULL:
            return diskFull
        case let error as ValidationError:
            return .validation(error)
        case let error as StoreError:
            return from(error)
        case let error as UploadError:
            return from(error)
        case let error as ShareError:
            return from(error)
        case is BlobStoreError:
            return APIError(
                .serviceUnavailable, code: "unavailable", message: "The server's file storage does not answer; try again in a moment.",
                headers: [.retryAfter: "5"])
        case let error as TokenError:
            switch error {
            case .invalid: return .unauthorized("Your session token is not valid. Please log in again.")
            case .expired: return .unauthorized("Your session has expired. Please log in again.", code: "token_expired")
            case .revoked: return .unauthorized("You have logged out with this token. Please log in again.", code: "token_revoked")
            }
        case DecodingError.keyNotFound(let key, _):
            let message = "\"\(key.stringValue)\" is required."
            return APIError(.badRequest, code: "validation_failed", message: message, fields: [key.stringValue: message])
        case DecodingError.valueNotFound(_, let context) where !context.codingPath.isEmpty:
            let field = context.codingPath.map(\.stringValue).joined(separator: ".")
            let message = "\"\(field)\" cannot be null."
            return APIError(.badRequest, code: "validation_failed", message: message, fields: [field: message])
        case let error as DecodingError:
            return APIError(.badRequest, code: "invalid_json", message: "The request body is not valid JSON of the expected shape: \(describe(error))")
        case is NIOTooManyBytesError:
            return APIError(.contentTooLarge, code: "payload_too_large", message: "The request body is too large.")
        case let error as HTTPError:
            switch error.status {
            case .notFound: return APIError(.notFound, code: "not_found", message: "No such route.")
            case .contentTooLarge: return APIError(.contentTooLarge, code: "payload_too_large", message: "The request body is too large.")
            case .badRequest: return .badRequest(error.body ?? "Bad request.")
            case .unsupportedMediaType:
                return APIError(.unsupportedMediaType, code: "unsupported_media_type", message: error.body ?? "Unsupported content type.")
            default:
                return APIError(error.status, code: "http_\(error.status.code)", message: error.body ?? error.status.reasonPhrase)
            }
        default:
            return nil
        }
    }

    private static func from(_ error: ShareError) -> APIError {
        switch error {
        case .notFound:
            return APIError(.notFound, code: "not_found", message: "There is nothing at this link.")
        case .expired:
            return APIError(.gone, code: "share_expired", message: "This link has expired.")
        case .passwordRequired(let wrong):
            return APIError(
                .unauthorized, code: "unauthorized",
                message: wrong ? "That is not the password of this link." : "This link asks for a password (HTTP Basic, any user name).",
                headers: [.wwwAuthenticate: "Basic realm=\"Papers share\", charset=\"UTF-8\""])
        case .throttled(let wait):
            return APIError(
                .tooManyRequests, code: "too_many_attempts", message: "Too many wrong passwords. Try again in \(wait) seconds.",
                headers: [.retryAfter: String(wait)])
        }
    }

    private static func from(_ error: StoreError) -> APIError {
        switch error {
        case .nodeNotFound: return .notFound
        case .versionNotFound: return APIError(.notFound, code: "version_not_found", message: "This file has no version of that number.")
        case .notAFolder: return .badRequest("The parent you named is a file, not a folder.", code: "not_a_folder")
        case .isAFolder: return .badRequest("This is a folder; it has no content of its own.", code: "is_a_folder")
        case .nameConflict(let name):
            return APIError(.conflict, code: "name_conflict", message: "Something named \"\(name)\" already exists in that folder.")
        case .emailTaken: return APIError(.conflict, code: "email_taken", message: "An account with this e-mail address already exists.")
        case .accountNotFound:
            return APIError.unauthorized("Your account no longer exists on this server. Please log in again.", code: "account_not_found")
        case .moveIntoOwnSubtree:
            return APIError(.conflict, code: "move_into_own_subtree", message: "A folder cannot move into itself or one of its subfolders.")
        case .preconditionFailed:
            return APIError(.preconditionFailed, code: "precondition_failed", message: "The file or folder has changed since you read it.")
        case .quotaExceeded:
            return APIError(insufficientStorageStatus, code: "quota_exceeded", message: "This would exceed your storage quota.", isFault: false)
        case .blobMissing:
            return APIError(
                .internalServerError, code: "content_missing",
                message: "This file's content is missing from the server's storage; the server's operator has to restore it.")
        case .contentNotRecorded, .contentBeingRemoved:
            return APIError(
                .serviceUnavailable, code: "unavailable", message: "The server is busy storing this content; try again in a moment.",
                headers: [.retryAfter: "1"])
        case .appPasswordNotFound:
            return APIError(.notFound, code: "app_password_not_found", message: "You have no app password with this id.")
        case .shareNotFound:
            return APIError(.notFound, code: "share_not_found", message: "You have no share link with this id.")
        case .locked:
            return APIError(lockedStatus, code: "locked", message: "This file or folder is locked by a WebDAV client.", isFault: false)
        case .unavailable:
            return APIError(
                .serviceUnavailable, code: "unavailable", message: "The server's database does not answer; try again in a moment.",
                headers: [.retryAfter: "5"])
        }
    }

    private static func from(_ error: UploadError) -> APIError {
        switch error {
        case .tooLarge(let limit):
            return APIError(.contentTooLarge, code: "payload_too_large", message: "Uploads on this server are limited to \(limit) bytes.")
        case .quotaExceeded: return from(StoreError.quotaExceeded)
        case .checksumMismatch(let expected, let actual):
            return .badRequest(
                "The content's SHA-256 is \(actual), not \(expected) as X-Content-SHA256 said; nothing was stored.", code: "checksum_mismatch")
        case .storageFailed: return .internalError
        case .diskFull: return diskFull
        case .belowFreeSpaceFloor:
            return APIError(
                insufficientStorageStatus, code: "insufficient_storage",
                message: "The server is almost out of disk space and takes no more uploads; deleting files still works.")
        }
    }

    /// The disk (or the database on it) ran out of space mid-write.
    private static let diskFull = APIError(
        insufficientStorageStatus, code: "insufficient_storage", message: "The server's disk is full; nothing was stored.")

    private static func describe(_ error: DecodingError) -> String {
        switch error {
        case .dataCorrupted: return "it could not be parsed."
        case .keyNotFound(let key, _): return "\"\(key.stringValue)\" is missing."
        case .typeMismatch(_, let context), .valueNotFound(_, let context):
            let path = context.codingPath.map(\.stringValue).joined(separator: ".")
            return path.isEmpty ? "wrong type." : "\"\(path)\" has the wrong type."
        @unknown default: return "it could not be read."
        }
    }
}
