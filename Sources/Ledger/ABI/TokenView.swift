import Primitives

/// Answers `eth_call` of a token's views from the ledger, byte for byte as a Solidity token would.
public enum TokenView {
    /// eth_call of a view: `balanceOf`, `totalSupply`, `decimals`, `symbol`, `name`, `allowance`,
    /// and the ERC-3643 `isFrozen(address)`, `getFrozenTokens(address)`, `paused()`.
    ///
    /// Returns the ABI-encoded result: one word for numbers, bools and `decimals`, a dynamic
    /// `string` for `symbol` and `name`. Refuses an address that is not a token, unknown
    /// selectors, state-changing functions (simulate those with `StateTransition` on a copy of
    /// the state), wrong calldata length and non-canonical address words.
    public static func call(to: Address, data: [UInt8], state: LedgerState) throws(LedgerError) -> [UInt8] {
        guard let token = state.tokens[to] else { throw .notAToken(to) }
        guard let selector = ABI.selector(of: data) else {
            throw .missingFunctionSelector(symbol: token.symbol, byteCount: data.count)
        }
        guard let function = ABI.function(selector) else {
            throw .unknownSelector(selector: selector, symbol: token.symbol, supported: ABI.viewFunctionNames)
        }
        guard function.isView else { throw .notAView(function: function.name, symbol: token.symbol) }
        guard data.count == function.calldataLength else {
            throw .wrongCalldataLength(function: function.name, expected: function.calldataLength, actual: data.count)
        }
        let name = function.name
        typealias S = ABI.Selector
        switch selector {
        case S.balanceOf:
            let holder = try ABI.address(data, 0, function: name, argument: "account")
            return ABI.encode([ABI.word(state.holding(token: to, holder: holder).balance)])
        case S.totalSupply:
            return ABI.encode([ABI.word(state.tokenState(to).totalSupply)])
        case S.decimals:
            return ABI.encode([ABI.word(UInt256(UInt64(token.decimals)))])
        case S.symbol:
            return ABI.encodeString(token.symbol)
        case S.name:
            return ABI.encodeString(token.name)
        case S.allowance:
            let owner = try ABI.address(data, 0, function: name, argument: "owner")
            let spender = try ABI.address(data, 1, function: name, argument: "spender")
            return ABI.encode([ABI.word(state.allowance(token: to, owner: owner, spender: spender))])
        case S.isFrozen:
            let holder = try ABI.address(data, 0, function: name, argument: "account")
            return ABI.encode([ABI.word(state.holding(token: to, holder: holder).frozen)])
        case S.getFrozenTokens:
            let holder = try ABI.address(data, 0, function: name, argument: "account")
            return ABI.encode([ABI.word(state.holding(token: to, holder: holder).frozenAmount)])
        case S.paused:
            return ABI.encode([ABI.word(state.tokenState(to).paused)])
        default:
            preconditionFailure("TokenView has no answer for \(function.signature)")
        }
    }
}
