/// The product's version, reported by `/health` and `papers --version`.
public enum PapersVersion {
    public static let string = "0.1.0"
}
