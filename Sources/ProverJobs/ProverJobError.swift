/// Failures of prover jobs and their key, each saying what the operator can do about it.
public enum ProverJobError: Error, Equatable, Sendable, CustomStringConvertible {
    /// No prover key file where one was expected.
    case keyMissing(path: String)
    /// The prover key file exists but is not a 32-byte hex key, or others can read it.
    case keyUnusable(path: String, reason: String)
    /// The job was sealed with another prover key (the key ids differ).
    case wrongKey(batch: UInt64, sealedWith: String, workerKey: String)
    /// The sealed witness fails authentication under the right key: altered, or moved to another batch's row.
    case tampered(batch: UInt64)
    /// The witness opened but its bytes are not a job this release can read.
    case malformed(String)
    /// The witness does not give a proof (a node bug or a witness of another chain, never a load problem).
    case unprovable(batch: UInt64, reason: String)

    public var description: String {
        switch self {
        case .keyMissing(let path):
            return "prover key file \(path) does not exist: create one with `cloister keys new-prover \(path)` and give the "
                + "node the same file (`[settlement] prover_key_file`)"
        case .keyUnusable(let path, let reason): return "prover key file \(path) cannot be used: \(reason)"
        case .wrongKey(let batch, let sealedWith, let workerKey):
            return "the witness of batch \(batch) was sealed with prover key \(sealedWith) but this worker holds key "
                + "\(workerKey): give the worker the file named by the node's [settlement] prover_key_file"
        case .tampered(let batch):
            return "the sealed witness of batch \(batch) fails authentication: the row was altered or copied from "
                + "another batch; the node enqueues its jobs itself, nothing else should write them"
        case .malformed(let detail): return "malformed prover job: \(detail)"
        case .unprovable(let batch, let reason): return "batch \(batch) cannot be proven: \(reason)"
        }
    }
}
