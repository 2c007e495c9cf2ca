/// Sizes and counts as people read them.
public enum ByteCount {
    /// `12 B`, `47.1 KiB`, `200.0 MiB`, `3.2 GiB`: powers of 1024 with their IEC names (209,715,200
    /// bytes are 200.0 MiB; calling that "200.0 MB" mixed a binary value with a decimal name).
    public static func human(_ bytes: Int64) -> String {
        if bytes < 1024 { return "\(bytes) B" }
        let units = ["KiB", "MiB", "GiB", "TiB", "PiB"]
        var value = Double(bytes) / 1024
        var unit = 0
        while value >= 1024, unit < units.count - 1 {
            value /= 1024
            unit += 1
        }
        let rounded = (value * 10).rounded() / 10
        return "\(rounded) \(units[unit])"
    }

    /// `48,213`.
    public static func grouped(_ number: Int64) -> String {
        let digits = String(number.magnitude)
        var result = ""
        for (i, c) in digits.enumerated() {
            if i > 0, (digits.count - i) % 3 == 0 { result.append(",") }
            result.append(c)
        }
        return number < 0 ? "-" + result : result
    }
}
