import ConfigFiles
import Ledger
import Store
import Transactions

/// Why the node refused to start, or failed while running.
public enum NodeError: Error, Sendable, CustomStringConvertible {
    case config(ConfigError)
    case store(StoreError)
    case genesis(String)
    case corruptRecord(String)
    case chainMismatch(String)
    /// Settlement cannot run as configured (no operator key, the L1 store cannot open).
    case settlement(String)
    /// A part outside the sequencer asked for a record outside its own namespace (a node bug).
    case recordOutsideNamespace(String)
    /// A disclosure (a holding's path to a batch root) the node cannot produce for that batch.
    case disclosureUnavailable(String)

    public var description: String {
        switch self {
        case .config(let error): return error.description
        case .store(let error): return error.description
        case .genesis(let why): return "invalid genesis: \(why)"
        case .corruptRecord(let what): return "stored record cannot be decoded: \(what)"
        case .chainMismatch(let why): return why
        case .settlement(let why): return why
        case .disclosureUnavailable(let why): return why
        case .recordOutsideNamespace(let key):
            return "record '\(key)' is the sequencer's own: settlement and proving keep theirs under 'settlement.', "
                + "'proof.' or 'batch.<n>.proof'"
        }
    }
}
