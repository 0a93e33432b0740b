import Ledger
import Primitives

/// A 20-byte address made of one repeated byte: easy to read in failures.
func address(_ byte: UInt8) -> Address { try! Address([UInt8](repeating: byte, count: 20)) }

/// The shared cast and tokens of the ledger tests.
enum Fixture {
    static let issuer = address(0x15)
    static let agent = address(0xa9)
    static let alice = address(0xa1)
    static let bob = address(0xb2)
    static let carol = address(0xc3)
    static let eurdAddress = address(0xe0)
    static let bondAddress = address(0xb0)

    /// Capped at 1 000 000, 6 decimals.
    static let eurd = TokenDefinition(
        address: eurdAddress, symbol: "EURD", name: "Euro Deposit Token", decimals: 6, issuers: [issuer],
        agents: [agent], supplyCap: 1_000_000)
    /// Uncapped, 0 decimals.
    static let bond = TokenDefinition(
        address: bondAddress, symbol: "BOND", name: "Bond 2030", decimals: 0, issuers: [issuer], agents: [agent])

    /// EURD: alice 1000, bob 500, issuer 200 (supply 1700, 3 holders). Native: alice 1 000 000.
    /// Genesis changes already taken, so the dirty set starts empty.
    static func state() -> LedgerState {
        var state = try! LedgerState.genesis(
            tokens: [eurd, bond], nativeBalances: [alice: 1_000_000],
            tokenBalances: [eurdAddress: [alice: 1000, bob: 500, issuer: 200]])
        _ = state.takeChanges()
        return state
    }
}

/// Executes with the sender's current nonce (the sequencer's job), so tests read as operations.
@discardableResult
func run(_ operation: Operation, by sender: Address, on state: inout LedgerState) -> ExecutionReceipt {
    try! StateTransition.execute(operation, sender: sender, nonce: state.account(sender).nonce, state: &state)
}

// MARK: - Expected bytes, written out independently of the ABI encoder under test

let transferTopic = try! Hash32(hex: "0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef")
let approvalTopic = try! Hash32(hex: "0x8c5be1e5ebec7d5bd14f71427d1e84f3dd0314c0f7b2291e5b200ac8c7c3b925")

/// An address as an indexed topic: 12 zero bytes, then the address.
func topic(_ address: Address) -> Hash32 { try! Hash32([UInt8](repeating: 0, count: 12) + address.bytes) }

/// A small number as a big-endian 32-byte word.
func uintWord(_ value: UInt64) -> [UInt8] {
    [UInt8](repeating: 0, count: 24) + (0..<8).reversed().map { UInt8(truncatingIfNeeded: value >> (8 * UInt64($0))) }
}

func addressWord(_ address: Address) -> [UInt8] { [UInt8](repeating: 0, count: 12) + address.bytes }

func success(gas: UInt64, _ logs: [Log]) -> ExecutionReceipt {
    ExecutionReceipt(succeeded: true, gasUsed: gas, logs: logs, revertReason: nil)
}

func failure(gas: UInt64, _ reason: String) -> ExecutionReceipt {
    ExecutionReceipt(succeeded: false, gasUsed: gas, logs: [], revertReason: reason)
}

func transferLog(_ token: Address, from: Address, to: Address, amount: UInt64) -> Log {
    Log(address: token, topics: [transferTopic, topic(from), topic(to)], data: uintWord(amount))
}

/// Every record except the one account, for "changed nothing but the nonce" comparisons.
func entries(_ state: LedgerState, except account: Address) -> [StateChange] {
    state.entries().filter { $0.key != .account(account) }
}
