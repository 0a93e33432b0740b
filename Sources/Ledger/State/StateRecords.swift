import Primitives

/// An address's native-currency account. The zero value is what an unknown address has.
public struct AccountState: Sendable, Equatable {
    /// The number of transactions this address has had executed (failed ones included).
    public var nonce: UInt64
    public var nativeBalance: UInt256

    public init(nonce: UInt64 = 0, nativeBalance: UInt256 = .zero) {
        self.nonce = nonce
        self.nativeBalance = nativeBalance
    }

    public static let zero = AccountState()
    public var isZero: Bool { nonce == 0 && nativeBalance.isZero }
}

/// One holder's position in one token.
///
/// Invariant kept by every operation: `frozenAmount <= balance` (an agent cannot freeze more
/// than is held, and `forcedTransfer` unfreezes what it must take).
public struct HoldingState: Sendable, Equatable {
    public var balance: UInt256
    /// The whole address is frozen for this token (ERC-3643 `setAddressFrozen`): it can neither send nor receive transfers.
    public var frozen: Bool
    /// The part of `balance` that cannot move (ERC-3643 `freezePartialTokens`).
    public var frozenAmount: UInt256

    public init(balance: UInt256 = .zero, frozen: Bool = false, frozenAmount: UInt256 = .zero) {
        self.balance = balance
        self.frozen = frozen
        self.frozenAmount = frozenAmount
    }

    public static let zero = HoldingState()
    public var isZero: Bool { balance.isZero && !frozen && frozenAmount.isZero }

    /// What transfers may move: the balance less its frozen part (zero if a stored state breaks the invariant).
    public var availableBalance: UInt256 { balance.checkedSubtracting(frozenAmount) ?? .zero }
}

/// The token-wide state that changes with operations (its definition lives in `TokenDefinition`).
public struct TokenState: Sendable, Equatable {
    /// The sum of every holder's balance.
    public var totalSupply: UInt256
    /// Paused tokens refuse `transfer` and `transferFrom`; issuer and agent calls still work (as in ERC-3643).
    public var paused: Bool
    /// How many addresses hold a balance above zero.
    public var holderCount: UInt64

    public init(totalSupply: UInt256 = .zero, paused: Bool = false, holderCount: UInt64 = 0) {
        self.totalSupply = totalSupply
        self.paused = paused
        self.holderCount = holderCount
    }

    public static let zero = TokenState()
    public var isZero: Bool { totalSupply.isZero && !paused && holderCount == 0 }
}
