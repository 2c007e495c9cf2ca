import Synchronization

/// How many of something are in progress and how many ever started (database operations, uploads):
/// counted always — two relaxed atomic adds — and read by `/metrics` when it is on.
final class ActivityCounter: Sendable {
    private let inProgress = Atomic<Int>(0)
    private let started = Atomic<Int>(0)

    func enter() {
        inProgress.add(1, ordering: .relaxed)
        started.add(1, ordering: .relaxed)
    }

    func leave() {
        inProgress.subtract(1, ordering: .relaxed)
    }

    var current: Int { inProgress.load(ordering: .relaxed) }
    var total: Int { started.load(ordering: .relaxed) }
}
