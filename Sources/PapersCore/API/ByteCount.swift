/// Sizes and counts as people read them.
public enum ByteCount {
    /// `12 B`, `47.1 KB`, `3.2 GB` (powers of 1024, as file managers show them).
    public static func human(_ bytes: Int64) -> String {
        if bytes < 1024 { return "\(bytes) B" }
        let units = ["KB", "MB", "GB", "TB", "PB"]
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
