import Foundation
import Primitives

extension EthereumRPC {
    /// `cloister_getBalanceProof(holder, asset, batch?)`: a self-contained disclosure of one
    /// holding (the zero address as asset: the native currency) at a sealed batch, by default
    /// the latest the L1 has executed, that anyone can check against the L1 alone
    /// (`cloister disclosure verify`, docs/DISCLOSURE.md).
    ///
    /// Only the holder (and `read_all`) gets one: another member's request is answered exactly
    /// as a request for a holding that does not exist.
    func balanceProof(_ params: Params, caller: CallerIdentity) async throws -> JSON {
        let holder = try params.address(0, "holder")
        let asset = try params.address(1, "asset")
        let named = params.value(2, "batch") == nil || params.value(2, "batch") == .null ? nil : try params.quantity(2, "batch")
        let batch: UInt64
        do { batch = try BalanceDisclosures.batch(named, chain: chain) } catch BalanceDisclosures.Refusal.nothingExecuted {
            throw RPCError.invalidInput("no batch is executed on the L1 yet: ask again once one is, or name a sealed batch")
        }
        let absent = RPCError.invalidInput(
            "no holding of \(asset.checksummed) by \(holder.checksummed) of yours is recorded at batch \(batch)")
        guard caller.maySee(holder), asset == .zero || tokens[asset] != nil else { throw absent }
        do {
            guard
                let disclosure = try await BalanceDisclosures.produce(
                    holder: holder, asset: asset, batch: batch, chain: chain, requester: caller.name)
            else { throw absent }
            return try JSON.parse(Array(try JSONEncoder().encode(disclosure)))
        } catch BalanceDisclosures.Refusal.unavailable(let why) {
            throw RPCError.invalidInput(why)
        }
    }
}
