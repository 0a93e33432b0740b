import Primitives

/// The authenticated caller of an API request, as policy defines it.
///
/// Reads are answered from this identity, never from fields of the request (web3.py sends
/// `eth_call` without `from`).
public struct CallerIdentity: Sendable, Equatable {
    /// The member's name in policy (for audit records).
    public var name: String
    /// The addresses the member owns: what it may read and sign for.
    public var addresses: Set<Address>
    /// `read_all`: auditors see every account, transaction and log.
    public var readAll: Bool
    /// `submit_for_others`: may relay transactions signed by other members.
    public var submitForOthers: Bool
    /// `admin_read`: may read the admin and audit API.
    public var adminRead: Bool

    public init(
        name: String, addresses: Set<Address>, readAll: Bool = false, submitForOthers: Bool = false, adminRead: Bool = false
    ) {
        self.name = name
        self.addresses = addresses
        self.readAll = readAll
        self.submitForOthers = submitForOthers
        self.adminRead = adminRead
    }

    /// The admin API admits callers with `admin_read` or `read_all`.
    public var mayReadAdmin: Bool { adminRead || readAll }

    /// Whether this caller may see data about `address`.
    public func maySee(_ address: Address) -> Bool { readAll || addresses.contains(address) }
}
