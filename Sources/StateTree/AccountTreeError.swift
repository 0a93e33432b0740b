/// Why the account tree refused an operation.
public enum AccountTreeError: Error, Sendable, Hashable, CustomStringConvertible {
    /// All 2³² slots are taken; the tree cannot grow.
    case full
    /// The slot has never been assigned (slots are handed out in order by `append`).
    case unknownSlot(Int, assigned: Int)

    public var description: String {
        switch self {
        case .full:
            return "the account tree is full: all 2^32 slots are assigned"
        case .unknownSlot(let slot, let assigned):
            return
                "slot \(slot) is not assigned; the tree has slots 0..<\(assigned) (append a leaf to assign the next one)"
        }
    }
}
