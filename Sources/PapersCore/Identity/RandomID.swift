/// Random version-4 UUIDs as lowercase strings (`"1b4e28ba-2fa1-4d2e-883f-0016d3cca427"`): node,
/// user and token ids, staging file names.
///
/// Foundation's `UUID()` opens and reads `/dev/urandom` for every id on Linux (three syscalls and a
/// file descriptor, measured with strace: two per upload); this takes the same 122 random bits from
/// the system generator (`getrandom`) and formats them without Foundation.
public enum RandomID {
    public static func uuid() -> String {
        var generator = SystemRandomNumberGenerator()
        var high = generator.next() as UInt64
        var low = generator.next() as UInt64
        high = (high & 0xFFFF_FFFF_FFFF_0FFF) | 0x0000_0000_0000_4000  // version 4
        low = (low & 0x3FFF_FFFF_FFFF_FFFF) | 0x8000_0000_0000_0000  // RFC 4122 variant
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(36)
        for (index, word) in [high, low].enumerated() {
            for nibble in 0..<16 {
                let position = index * 16 + nibble
                if position == 8 || position == 12 || position == 16 || position == 20 { out.append(UInt8(ascii: "-")) }
                out.append(digits[Int((word >> UInt64(60 - nibble * 4)) & 0xF)])
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}
