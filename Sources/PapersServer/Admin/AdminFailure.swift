/// Why a `papers admin` command did nothing (or stopped), in one line for the operator.
public enum AdminFailure: Error, Equatable, CustomStringConvertible {
    /// No account has this e-mail address.
    case unknownEmail(String)
    /// An account with this e-mail address exists already.
    case emailTaken(String)
    /// A value the account rules refuse (an e-mail, a name, a password).
    case invalid(String)
    /// The SQLite database does not exist (a wrong `--data`): nothing is created.
    case noDatabase(String)
    /// The database cannot be opened or does not answer.
    case unavailable(String)
    /// A back-up could not be made whole (content its snapshot needs is not in the blob store), or
    /// a back-up to restore is damaged.
    case incomplete(String)

    public var description: String {
        switch self {
        case .unknownEmail(let email): return "no account has the e-mail address \(email)"
        case .emailTaken(let email): return "an account with the e-mail address \(email) exists already"
        case .invalid(let message): return message
        case .noDatabase(let path): return "there is no Papers database at \(path) (give --data or --database of the server)"
        case .unavailable(let detail), .incomplete(let detail): return detail
        }
    }
}
