import Primitives

/// The whole ledger in memory: accounts, token holdings, allowances and token-wide state.
///
/// A value type, so the sequencer can try a block on a copy and keep or drop it whole.
/// Records equal to their zero value are not kept (an absent record reads as zero), and
/// every write that changes a record marks its key dirty, so `takeChanges()` hands the store
/// exactly the records to write since the last call.
public struct LedgerState: Sendable {
    /// The configured tokens by address.
    public private(set) var tokens: [Address: TokenDefinition]

    var accounts: [Address: AccountState] = [:]
    var holdings: [HoldingKey: HoldingState] = [:]
    var allowances: [AllowanceKey: UInt256] = [:]
    var tokenStates: [Address: TokenState] = [:]
    var dirty: Set<StateKey> = []

    /// An empty ledger with these tokens.
    ///
    /// Refuses two tokens at one address, two tokens with one symbol (ignoring case, as a
    /// wallet user would confuse them), a token at the zero address and a token without a symbol.
    public init(tokens: [TokenDefinition]) throws(LedgerError) {
        var byAddress: [Address: TokenDefinition] = [:]
        var symbols: Set<String> = []
        for token in tokens {
            guard !token.symbol.isEmpty else {
                throw .invalidTokenDefinition(symbol: token.symbol, reason: "it needs a symbol")
            }
            guard token.address != .zero else {
                throw .invalidTokenDefinition(
                    symbol: token.symbol, reason: "the zero address is where mints come from, not a token address")
            }
            guard byAddress[token.address] == nil else { throw .duplicateTokenAddress(token.address) }
            guard symbols.insert(token.symbol.uppercased()).inserted else { throw .duplicateTokenSymbol(token.symbol) }
            byAddress[token.address] = token
        }
        self.tokens = byAddress
    }

    /// The state a chain starts from: native balances, token balances, and the supplies and
    /// holder counts that follow from them.
    ///
    /// Every genesis record is dirty, so the first `takeChanges()` persists genesis the same
    /// way a block is persisted. Refuses balances of an unknown token, token balances of the
    /// zero address, and token balances whose sum exceeds the token's supply cap.
    /// - Parameter tokenBalances: token address → holder → amount.
    public static func genesis(
        tokens: [TokenDefinition], nativeBalances: [Address: UInt256], tokenBalances: [Address: [Address: UInt256]]
    ) throws(LedgerError) -> LedgerState {
        var state = try LedgerState(tokens: tokens)
        for (address, balance) in nativeBalances {
            state.setAccount(address, AccountState(nonce: 0, nativeBalance: balance))
        }
        // Sorted, so that a genesis with several mistakes always reports the same one.
        for token in tokenBalances.keys.sorted() {
            guard let definition = state.tokens[token] else { throw .unknownToken(token) }
            let balances = tokenBalances[token]!
            var supply = UInt256.zero
            var holders: UInt64 = 0
            for holder in balances.keys.sorted() {
                let amount = balances[holder]!
                if amount.isZero { continue }
                guard holder != .zero else { throw .genesisBalanceForZeroAddress(symbol: definition.symbol) }
                guard let sum = supply.checkedAdding(amount) else {
                    throw .genesisSupplyExceedsCap(symbol: definition.symbol)
                }
                supply = sum
                holders += 1
                state.setHolding(token: token, holder: holder, HoldingState(balance: amount))
            }
            if let cap = definition.supplyCap, supply > cap {
                throw .genesisSupplyExceedsCap(symbol: definition.symbol)
            }
            state.setTokenState(token, TokenState(totalSupply: supply, paused: false, holderCount: holders))
        }
        return state
    }

    // MARK: - Reads (absent records read as zero)

    public func account(_ address: Address) -> AccountState { accounts[address] ?? .zero }

    public func holding(token: Address, holder: Address) -> HoldingState {
        holdings[HoldingKey(token: token, holder: holder)] ?? .zero
    }

    public func allowance(token: Address, owner: Address, spender: Address) -> UInt256 {
        allowances[AllowanceKey(token: token, owner: owner, spender: spender)] ?? .zero
    }

    public func tokenState(_ token: Address) -> TokenState { tokenStates[token] ?? .zero }

    /// The current value of any record.
    public func value(of key: StateKey) -> StateValue {
        switch key {
        case .account(let address): return .account(account(address))
        case .holding(let token, let holder): return .holding(holding(token: token, holder: holder))
        case .allowance(let token, let owner, let spender):
            return .allowance(allowance(token: token, owner: owner, spender: spender))
        case .token(let token): return .token(tokenState(token))
        }
    }

    /// The part of the ledger that the owner of `addresses` may see: their accounts, holdings and
    /// allowances (as owner or spender), and each token's public state (supply, pause) with a
    /// holder count of the visible holders only. A dry run on it answers the same whatever
    /// other members hold. Scans the allowances (a rare path: `eth_call` of a state-changing call).
    public func restricted(to addresses: Set<Address>) -> LedgerState {
        var view = LedgerState(unchecked: tokens)
        for address in addresses {
            if let account = accounts[address] { view.accounts[address] = account }
            for token in tokens.keys {
                let key = HoldingKey(token: token, holder: address)
                if let holding = holdings[key] { view.holdings[key] = holding }
            }
        }
        for (key, amount) in allowances where addresses.contains(key.owner) || addresses.contains(key.spender) {
            view.allowances[key] = amount
        }
        for (token, state) in tokenStates {
            var visible = state
            visible.holderCount = UInt64(addresses.count(where: { !(view.holdings[HoldingKey(token: token, holder: $0)]?.balance.isZero ?? true) }))
            view.tokenStates[token] = visible
        }
        return view
    }

    /// A ledger with already-validated tokens (a restricted copy of this one).
    private init(unchecked tokens: [Address: TokenDefinition]) { self.tokens = tokens }

    // MARK: - Changes and storage

    /// Every record changed since the last call, with its final value, in key order; clears the dirty set.
    ///
    /// A record that changed and changed back is still listed (with its unchanged value).
    /// Zero values are listed too: the store deletes or overwrites those rows.
    public mutating func takeChanges() -> [StateChange] {
        let keys = dirty.sorted()
        dirty.removeAll(keepingCapacity: true)
        return keys.map { StateChange(key: $0, value: value(of: $0)) }
    }

    /// Whether any record changed since the last `takeChanges()`.
    public var hasChanges: Bool { !dirty.isEmpty }

    /// Every non-zero record, in key order: a full dump for rebuilding a store or computing a state root.
    public func entries() -> [StateChange] {
        var keys: [StateKey] = []
        keys.reserveCapacity(accounts.count + holdings.count + allowances.count + tokenStates.count)
        keys += accounts.keys.lazy.map { .account($0) }
        keys += holdings.keys.lazy.map { .holding(token: $0.token, holder: $0.holder) }
        keys += allowances.keys.lazy.map { .allowance(token: $0.token, owner: $0.owner, spender: $0.spender) }
        keys += tokenStates.keys.lazy.map { .token($0) }
        keys.sort()
        return keys.map { StateChange(key: $0, value: value(of: $0)) }
    }

    /// Sets a record read back from storage, without marking it dirty.
    ///
    /// The change must pair a key with a value of the same kind (`StateChange.isConsistent`;
    /// `StateChange(encodedKey:encodedValue:)` checks it); a mismatched pair is a programming
    /// error and stops the process rather than corrupt the ledger.
    public mutating func load(_ change: StateChange) {
        switch (change.key, change.value) {
        case (.account(let address), .account(let state)):
            accounts[address] = state.isZero ? nil : state
        case (.holding(let token, let holder), .holding(let state)):
            holdings[HoldingKey(token: token, holder: holder)] = state.isZero ? nil : state
        case (.allowance(let token, let owner, let spender), .allowance(let amount)):
            allowances[AllowanceKey(token: token, owner: owner, spender: spender)] = amount.isZero ? nil : amount
        case (.token(let token), .token(let state)):
            tokenStates[token] = state.isZero ? nil : state
        default:
            preconditionFailure("LedgerState.load: a \(change.key.kind) key with a \(change.value.kind) value")
        }
    }

    // MARK: - Writes (internal: only operations change state)

    mutating func setAccount(_ address: Address, _ state: AccountState) {
        guard account(address) != state else { return }
        accounts[address] = state.isZero ? nil : state
        dirty.insert(.account(address))
    }

    mutating func setHolding(token: Address, holder: Address, _ state: HoldingState) {
        let key = HoldingKey(token: token, holder: holder)
        guard (holdings[key] ?? .zero) != state else { return }
        holdings[key] = state.isZero ? nil : state
        dirty.insert(.holding(token: token, holder: holder))
    }

    mutating func setAllowance(token: Address, owner: Address, spender: Address, _ amount: UInt256) {
        let key = AllowanceKey(token: token, owner: owner, spender: spender)
        guard (allowances[key] ?? .zero) != amount else { return }
        allowances[key] = amount.isZero ? nil : amount
        dirty.insert(.allowance(token: token, owner: owner, spender: spender))
    }

    mutating func setTokenState(_ token: Address, _ state: TokenState) {
        guard tokenState(token) != state else { return }
        tokenStates[token] = state.isZero ? nil : state
        dirty.insert(.token(token))
    }
}

struct HoldingKey: Hashable, Sendable {
    var token: Address
    var holder: Address
}

struct AllowanceKey: Hashable, Sendable {
    var token: Address
    var owner: Address
    var spender: Address
}
