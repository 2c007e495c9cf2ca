import PapersCore

/// The numbered forms of a name, `stem (n).ext`, that `on_conflict=rename` picks from: which numbers
/// a folder's names already take, from one range read of the `(parent_id, name)` index (probing
/// `name (1)`, `name (2)`, … one query each made the n-th upload of one name cost O(n) queries).
struct NumberedNames {
    let prefix: String
    let suffix: String

    init(_ name: String) {
        let (stem, ext) = NodeName.splitExtension(name)
        prefix = stem + " ("
        suffix = ")" + ext
    }

    /// The range of names to read: every name that starts with `stem (`.
    var lowerBound: String { prefix }
    var upperBound: String { prefix + "\u{10FFFF}" }

    /// The numbers the names read take (names that only look alike, like `r (x).txt`, take none);
    /// the node `ignoring` (the one being renamed) takes none either.
    func taken(_ names: [(name: String, id: String)], ignoring: String?) -> Set<Int> {
        var numbers = Set<Int>()
        for (taken, id) in names {
            guard id != ignoring, taken.hasSuffix(suffix), taken.count > prefix.count + suffix.count else { continue }
            let digits = taken.dropFirst(prefix.count).dropLast(suffix.count)
            if digits.allSatisfy(\.isASCII), let n = Int(digits), n > 0 { numbers.insert(n) }
        }
        return numbers
    }
}
