import Primitives
import StateTree

extension Chain {
    /// The holding of `asset` (the zero address: the native currency) by `holder` as sealed
    /// batch `number` recorded it, with its Merkle path to that batch's state root: what a
    /// balance disclosure shows an outsider. nil if the holder had no such leaf then.
    ///
    /// The path is checked against the batch's recorded root before it is returned.
    /// - Throws: ``NodeError/disclosureUnavailable(_:)`` for a batch without a root yet, or
    ///   older than the latest executed one (whose later tree updates are dropped).
    public func holdingPath(holder: Address, asset: Address, batch number: UInt64) async throws -> LeafPath? {
        guard number >= 1, let record = try batch(number: number) else {
            throw NodeError.disclosureUnavailable("batch \(number) is not sealed")
        }
        let key = AccountLeaf.key(account: holder.bytes, asset: asset.bytes)
        guard let path = try await tracker.path(ofKey: key, batch: number) else { return nil }
        guard Hash32(rpo: path.root) == record.stateRoot, path.isValid else {
            throw NodeError.corruptRecord("the state tree does not reach batch \(number)'s recorded root")
        }
        return path
    }
}
