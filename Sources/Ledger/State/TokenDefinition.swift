import Primitives

/// A configured token: where it lives, how wallets show it, and who may run its privileged calls.
///
/// Definitions come from configuration, not from state: they are not part of `StateKey`,
/// and changing one (adding an agent, raising the cap) is an operator decision outside the ledger.
public struct TokenDefinition: Sendable, Equatable {
    /// The address members send calls to, as if a contract were deployed there.
    public var address: Address
    public var symbol: String
    public var name: String
    public var decimals: UInt8
    /// Who may `mint`, `burn` and `burnFrom`.
    public var issuers: Set<Address>
    /// Who may run the ERC-3643 agent calls: freezes, `forcedTransfer`, `pause`, `unpause`.
    public var agents: Set<Address>
    /// The largest total supply `mint` may reach; nil for no cap (other than 2²⁵⁶ − 1).
    public var supplyCap: UInt256?

    public init(
        address: Address, symbol: String, name: String, decimals: UInt8, issuers: Set<Address> = [],
        agents: Set<Address> = [], supplyCap: UInt256? = nil
    ) {
        self.address = address
        self.symbol = symbol
        self.name = name
        self.decimals = decimals
        self.issuers = issuers
        self.agents = agents
        self.supplyCap = supplyCap
    }
}
