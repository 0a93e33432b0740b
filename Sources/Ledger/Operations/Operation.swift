import Primitives

/// One state change the chain can execute: the fixed, provable instruction set behind the
/// Ethereum envelope. The sender is not part of the operation; it is the transaction's signer.
public enum Operation: Sendable, Equatable {
    /// A plain value transfer (empty calldata to an address that is not a token).
    case nativeTransfer(to: Address, amount: UInt256)
    /// ERC-20 `transfer(to, amount)` from the sender.
    case transfer(token: Address, to: Address, amount: UInt256)
    /// ERC-20 `transferFrom(from, to, amount)`, spending the sender's allowance from `from`.
    case transferFrom(token: Address, from: Address, to: Address, amount: UInt256)
    /// ERC-20 `approve(spender, amount)`: sets (not adds to) the sender's allowance for `spender`.
    case approve(token: Address, spender: Address, amount: UInt256)
    /// Issuer only: creates `amount` for `to`, within the supply cap.
    case mint(token: Address, to: Address, amount: UInt256)
    /// Issuer only: destroys `amount` of the issuer's own balance.
    case burn(token: Address, amount: UInt256)
    /// Issuer only: destroys `amount` of `from`'s balance, spending `from`'s allowance to the issuer.
    case burnFrom(token: Address, from: Address, amount: UInt256)
    /// Agent only (ERC-3643): freezes or unfreezes an address for this token.
    case setAddressFrozen(token: Address, account: Address, frozen: Bool)
    /// Agent only (ERC-3643): freezes part of an address's balance.
    case freezePartialTokens(token: Address, account: Address, amount: UInt256)
    /// Agent only (ERC-3643): releases part of an address's frozen amount.
    case unfreezePartialTokens(token: Address, account: Address, amount: UInt256)
    /// Agent only (ERC-3643): moves tokens regardless of pause and freezes.
    case forcedTransfer(token: Address, from: Address, to: Address, amount: UInt256)
    /// Agent only (ERC-3643): stops `transfer` and `transferFrom`.
    case pause(token: Address)
    /// Agent only (ERC-3643): lets transfers run again.
    case unpause(token: Address)
    /// A withdrawal to the L1: native value sent to `Bridge.address`, or a token's
    /// `transfer(Bridge.address, amount)`. The amount leaves the L2 (a token's supply shrinks)
    /// and becomes claimable on the L1 by the sender's own address once its batch executes.
    case withdraw(token: Address?, amount: UInt256)

    /// The fixed gas charge of the operation: its `gasUsed`, whether it succeeds or fails.
    ///
    /// | operation | gas | | operation | gas |
    /// |---|---|---|---|---|
    /// | nativeTransfer | 21 000 | | setAddressFrozen | 45 000 |
    /// | transfer | 50 000 | | freezePartialTokens | 45 000 |
    /// | transferFrom | 60 000 | | unfreezePartialTokens | 45 000 |
    /// | approve | 45 000 | | forcedTransfer | 65 000 |
    /// | mint | 55 000 | | pause | 30 000 |
    /// | burn | 40 000 | | unpause | 30 000 |
    /// | burnFrom | 50 000 | | | |
    ///
    /// Why these numbers: a native transfer costs Ethereum's 21 000 so wallets' defaults fit;
    /// token calls are near what the same OpenZeppelin / T-REX call costs on Ethereum, so
    /// client-side gas heuristics stay sane, and every one is above the intrinsic gas of its
    /// own calldata (at most 21 000 + 16 × 100 = 22 600), so a gas limit that covers the
    /// charge always passes `TransactionValidator`'s intrinsic-gas check too.
    /// The fee price is zero on this chain: gas limits order nothing, they only bound work.
    public var gasCost: UInt64 {
        switch self {
        case .nativeTransfer: return 21_000
        case .transfer: return 50_000
        case .transferFrom: return 60_000
        case .approve: return 45_000
        case .mint: return 55_000
        case .burn: return 40_000
        case .burnFrom: return 50_000
        case .setAddressFrozen, .freezePartialTokens, .unfreezePartialTokens: return 45_000
        case .forcedTransfer: return 65_000
        case .pause, .unpause: return 30_000
        case .withdraw(let token, _): return token == nil ? 21_000 : 50_000
        }
    }

    /// The token the operation acts on; nil for a native transfer or a native withdrawal.
    public var token: Address? {
        switch self {
        case .nativeTransfer: return nil
        case .withdraw(let token, _): return token
        case .transfer(let token, _, _), .transferFrom(let token, _, _, _), .approve(let token, _, _),
            .mint(let token, _, _), .burn(let token, _), .burnFrom(let token, _, _),
            .setAddressFrozen(let token, _, _), .freezePartialTokens(let token, _, _),
            .unfreezePartialTokens(let token, _, _), .forcedTransfer(let token, _, _, _), .pause(let token),
            .unpause(let token):
            return token
        }
    }

    /// The ABI function name (`"transfer"`, `"forcedTransfer"`…), or `"nativeTransfer"`: for logs, audit and errors.
    public var name: String {
        switch self {
        case .nativeTransfer: return "nativeTransfer"
        case .transfer: return "transfer"
        case .transferFrom: return "transferFrom"
        case .approve: return "approve"
        case .mint: return "mint"
        case .burn: return "burn"
        case .burnFrom: return "burnFrom"
        case .setAddressFrozen: return "setAddressFrozen"
        case .freezePartialTokens: return "freezePartialTokens"
        case .unfreezePartialTokens: return "unfreezePartialTokens"
        case .forcedTransfer: return "forcedTransfer"
        case .pause: return "pause"
        case .unpause: return "unpause"
        case .withdraw: return "withdraw"
        }
    }

    /// The transaction fields that express this operation (`to`, `value`, `data`): the
    /// inverse of `OperationDecoder`, for clients, tools and tests that build transactions.
    public var call: (to: Address, value: UInt256, data: [UInt8]) {
        typealias S = ABI.Selector
        switch self {
        case .nativeTransfer(let to, let amount):
            return (to, amount, [])
        case .transfer(let token, let to, let amount):
            return (token, .zero, ABI.encodeCall(S.transfer, [ABI.word(to), ABI.word(amount)]))
        case .transferFrom(let token, let from, let to, let amount):
            return (token, .zero, ABI.encodeCall(S.transferFrom, [ABI.word(from), ABI.word(to), ABI.word(amount)]))
        case .approve(let token, let spender, let amount):
            return (token, .zero, ABI.encodeCall(S.approve, [ABI.word(spender), ABI.word(amount)]))
        case .mint(let token, let to, let amount):
            return (token, .zero, ABI.encodeCall(S.mint, [ABI.word(to), ABI.word(amount)]))
        case .burn(let token, let amount):
            return (token, .zero, ABI.encodeCall(S.burn, [ABI.word(amount)]))
        case .burnFrom(let token, let from, let amount):
            return (token, .zero, ABI.encodeCall(S.burnFrom, [ABI.word(from), ABI.word(amount)]))
        case .setAddressFrozen(let token, let account, let frozen):
            return (token, .zero, ABI.encodeCall(S.setAddressFrozen, [ABI.word(account), ABI.word(frozen)]))
        case .freezePartialTokens(let token, let account, let amount):
            return (token, .zero, ABI.encodeCall(S.freezePartialTokens, [ABI.word(account), ABI.word(amount)]))
        case .unfreezePartialTokens(let token, let account, let amount):
            return (token, .zero, ABI.encodeCall(S.unfreezePartialTokens, [ABI.word(account), ABI.word(amount)]))
        case .forcedTransfer(let token, let from, let to, let amount):
            return (token, .zero, ABI.encodeCall(S.forcedTransfer, [ABI.word(from), ABI.word(to), ABI.word(amount)]))
        case .pause(let token):
            return (token, .zero, ABI.encodeCall(S.pause))
        case .unpause(let token):
            return (token, .zero, ABI.encodeCall(S.unpause))
        case .withdraw(nil, let amount):
            return (Bridge.address, amount, [])
        case .withdraw(let token?, let amount):
            return (token, .zero, ABI.encodeCall(S.transfer, [ABI.word(Bridge.address), ABI.word(amount)]))
        }
    }
}
