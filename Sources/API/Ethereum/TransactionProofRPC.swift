import Foundation
import Primitives

extension EthereumRPC {
    /// `cloister_getTransactionProof(txHash)`: a self-contained disclosure of one transaction
    /// (a native transfer or an ERC-20 transfer call) in a sealed batch the node committed to
    /// the L1: the signed transaction, its operation leaf with salt, index and path to the
    /// batch's operations commitment, which anyone can check against the L1 alone
    /// (`cloister disclosure verify`, docs/DISCLOSURE.md).
    ///
    /// Only its parties as `MemberView` counts them (sender, recipient) and `read_all` get one:
    /// anyone else's request is answered exactly as a request for a transaction that does not exist.
    func transactionProof(_ params: Params, caller: CallerIdentity) async throws -> JSON {
        let hash = try params.hash(0, "transaction hash")
        let view = view(for: caller)
        do {
            guard
                let disclosure = try await TransactionDisclosures.produce(
                    hash: hash, chain: chain, tokens: tokens, requester: caller.name,
                    admits: { caller.readAll || !view.parties(of: $0).isDisjoint(with: caller.addresses) })
            else { throw RPCError.invalidInput("no transaction \(hash.hex) of yours is included") }
            return try JSON.parse(Array(try JSONEncoder().encode(disclosure)))
        } catch TransactionDisclosures.Refusal.unavailable(let why) {
            throw RPCError.invalidInput(why)
        }
    }
}
