/// One account as `papers admin users ls` shows it: the record and what it stores.
public struct AccountSummary: Sendable, Equatable {
    public var id: String
    public var email: String
    public var fullname: String
    public var createdMs: Int64
    /// `nil`: no quota.
    public var quotaBytes: Int64?
    public var disabled: Bool
    /// Bytes in the user's files, trash and kept versions.
    public var usedBytes: Int64
    /// How many files the user has (the trash left out).
    public var files: Int64
}
