import Ledger
import Primitives
import StarkMath
import StateTree

/// How the ledger's value maps onto the state tree: one leaf per (holder, asset) balance and
/// one supply leaf per token. Approvals, freezes, pauses and Ethereum nonces are not in the
/// tree (docs/PROOFS.md, "One state tree", says why).
public enum TreeOperations {
    /// A batch's value movements (already in proof order) as tree operations. Zero-value
    /// transfers, mints and burns change no balance and are left out; deposits and
    /// withdrawals always go in (their lists are public inputs of the proof).
    /// - Throws: ``NodeError/corruptRecord(_:)`` for an amount of 2¹²⁴ or more, which the
    ///   tree cannot hold.
    public static func of(_ movements: [ValueMovement]) throws(NodeError) -> [LeafOperation] {
        var keys = Keys()
        return try of(movements, keys: &keys)
    }

    /// The same, with leaf keys from (and added to) `keys`: a node keeps one cache across
    /// batches, since each key costs two RPO permutations and a hot account is in most batches.
    static func of(_ movements: [ValueMovement], keys: inout Keys) throws(NodeError) -> [LeafOperation] {
        var operations = [LeafOperation]()
        operations.reserveCapacity(movements.count)
        for movement in movements {
            switch movement {
            case .deposit(let to, let asset, let amount):
                let key = keys.holder(to, asset)
                operations.append(
                    LeafOperation(kind: .deposit, fromKey: key, toKey: key, asset: keys.asset(asset), amount: try narrow(amount)))
            case .withdrawal(let from, let asset, let amount):
                let key = keys.holder(from, asset)
                operations.append(
                    LeafOperation(kind: .withdrawal, fromKey: key, toKey: key, asset: keys.asset(asset), amount: try narrow(amount)))
            case .transfer(let from, let to, let asset, let amount) where !amount.isZero:
                operations.append(
                    LeafOperation(
                        kind: .transfer, fromKey: keys.holder(from, asset), toKey: keys.holder(to, asset),
                        asset: keys.asset(asset), amount: try narrow(amount)))
            case .mint(let to, let asset, let amount) where !amount.isZero:
                let id = keys.asset(asset)
                operations.append(
                    LeafOperation(kind: .mint, fromKey: id, toKey: keys.holder(to, asset), asset: id, amount: try narrow(amount)))
            case .burn(let from, let asset, let amount) where !amount.isZero:
                let id = keys.asset(asset)
                operations.append(
                    LeafOperation(kind: .burn, fromKey: keys.holder(from, asset), toKey: id, asset: id, amount: try narrow(amount)))
            case .transfer, .mint, .burn:
                continue
            }
        }
        return operations
    }

    /// The genesis ledger's balances and supplies in state-key order: the tree's first leaves.
    public static func genesisLeaves(
        of ledger: LedgerState
    ) throws(NodeError) -> (holdings: [(account: [UInt8], asset: [UInt8], balance: UInt128)], supplies: [(asset: [UInt8], supply: UInt128)]) {
        var holdings: [(account: [UInt8], asset: [UInt8], balance: UInt128)] = []
        var supplies: [(asset: [UInt8], supply: UInt128)] = []
        for entry in ledger.entries() {
            switch (entry.key, entry.value) {
            case (.account(let address), .account(let account)) where !account.nativeBalance.isZero:
                holdings.append((address.bytes, Address.zero.bytes, try narrow(account.nativeBalance)))
            case (.holding(let token, let holder), .holding(let holding)) where !holding.balance.isZero:
                holdings.append((holder.bytes, token.bytes, try narrow(holding.balance)))
            case (.token(let token), .token(let state)):
                supplies.append((token.bytes, try narrow(state.totalSupply)))
            default:
                continue
            }
        }
        return (holdings, supplies)
    }

    /// A ledger amount as the tree's 124-bit range.
    static func narrow(_ amount: UInt256) throws(NodeError) -> UInt128 {
        guard let value = AccountLeaf.balance(amount) else {
            throw .corruptRecord("amount \(amount) is 2^124 or more: the state tree holds balances below 2^124")
        }
        return value
    }

    /// Leaf keys are hashes: each (holder, asset) and asset is derived once while cached.
    struct Keys {
        /// Past this many holder keys the cache starts again (about 100 MB at most).
        static let capacity = 1_000_000
        var holders: [Address: [Address: Goldilocks]] = [:]
        var assets: [Address: Goldilocks] = [:]
        var count = 0

        mutating func holder(_ account: Address, _ asset: Address) -> Goldilocks {
            if let key = holders[asset]?[account] { return key }
            let key = AccountLeaf.key(account: account.bytes, asset: asset.bytes)
            if count >= Self.capacity {
                holders.removeAll(keepingCapacity: true)
                count = 0
            }
            holders[asset, default: [:]][account] = key
            count += 1
            return key
        }

        mutating func asset(_ asset: Address) -> Goldilocks {
            if let id = assets[asset] { return id }
            let id = AccountLeaf.assetID(of: asset.bytes)
            assets[asset] = id
            return id
        }
    }
}
