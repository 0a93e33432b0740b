import BatchProof
import Foundation
import Stark

/// `cloister proof bench`: how long a batch of transfers takes to prove and verify on this
/// machine, and how large its proof is — the figures that decide how many transfers per
/// second the prover can carry.
///
/// Each size gets its own synthetic batch: a genesis tree of funded accounts and `count`
/// transfers among them, witness built the way the node builds it (``BatchBuilder``),
/// proved with the default options on every core, then verified from the encoded bytes
/// the L1 receives.
struct ProofBench {
    struct Measurement: Sendable {
        let transfers: Int
        let slots: Int
        let traceRows: Int
        let witnessSeconds: Double
        let proveSeconds: [Double]
        let verifySeconds: [Double]
        let proofBytes: Int
        let security: SecurityEstimate
        /// The process's peak resident memory after this size (sizes run smallest first).
        let peakMemory: Int

        var proveMedian: Double { Self.median(proveSeconds) }
        var verifyMedian: Double { Self.median(verifySeconds) }
        /// Transfers proven per second of prover time, at the median.
        var transfersPerSecond: Double { Double(transfers) / proveMedian }

        static func median(_ values: [Double]) -> Double {
            let sorted = values.sorted()
            return sorted.isEmpty ? 0 : sorted[sorted.count / 2]
        }
    }

    /// Who sends to whom.
    enum Pattern: String, CaseIterable, Sendable {
        /// Transfer `i` from account `i mod accounts` to account `7i + 1 mod accounts` (the
        /// default, and what `cloister bench` proves alone).
        case cycle
        /// Transfers among the first `hotSenders` accounts of the state (a bench's members in
        /// a state of many accounts).
        case hot
        /// Senders and recipients drawn uniformly from every account of the state.
        case uniform
    }

    let transferCounts: [Int]
    let proofRuns: Int
    let verifyRuns: Int
    /// Accounts in the genesis state, every one funded.
    var accounts: Int = Self.defaultAccounts
    var pattern: Pattern = .cycle
    var air: AIRVersion = .v3

    /// Enough that most transfers touch fresh leaves, as a busy batch does, without every
    /// transfer creating an account.
    static let defaultAccounts = 64
    /// The senders of the hot pattern: `cloister bench`'s members.
    static let hotSenders = 2_000

    /// The (from, to) account indices of the batch's transfers: deterministic for a pattern,
    /// an account count and a batch size, so runs and builds compare.
    func transferIndices(count: Int) -> [(from: Int, to: Int)] {
        var random = SplitMix64(seed: UInt64(count) &* 0x9E37_79B9 ^ UInt64(accounts))
        let population = pattern == .hot ? Swift.min(Self.hotSenders, accounts) : accounts
        return (0..<count).map { index in
            switch pattern {
            case .cycle:
                return (index % accounts, (index * 7 + 1) % accounts)
            case .hot, .uniform:
                let from = Int(random.next() % UInt64(population))
                let step = 1 + Int(random.next() % UInt64(population - 1))
                return (from, (from + step) % population)
            }
        }
    }

    func run(progress: (String) -> Void = { _ in }) throws -> [Measurement] {
        try transferCounts.map { count in
            air == .v3 ? try measureV3(transfers: count, progress: progress) : try measure(transfers: count, progress: progress)
        }
    }

    func measure(transfers count: Int, progress: (String) -> Void) throws -> Measurement {
        let clock = ContinuousClock()
        let asset = [UInt8](repeating: 0, count: 20)
        let accounts = (0..<self.accounts).map { Self.address($0) }
        progress("\(count) transfers: genesis tree of \(self.accounts) accounts")
        let genesis = try BatchStateTree.genesis(
            holdings: accounts.map { (account: $0, asset: asset, balance: UInt128(1) << 80) },
            supplies: [(asset: asset, supply: UInt128(self.accounts) << 80)])
        let pairs = transferIndices(count: count)

        var witnessTime = Duration.zero
        var proveTimes = [Double]()
        var proof: StarkProof?
        var witness: BatchWitness?
        for run in 0..<proofRuns {
            progress("\(count) transfers: proof \(run + 1) of \(proofRuns)")
            var built: BatchWitness?
            witnessTime = try clock.measure {
                var builder = BatchBuilder(number: 1, state: genesis)
                for (index, pair) in pairs.enumerated() {
                    try builder.transfer(
                        from: accounts[pair.from], to: accounts[pair.to], asset: asset, amount: UInt128(1_000 + index))
                }
                built = try builder.witness().0
            }
            guard let current = built else { throw CommandFailure("no witness was built for \(count) transfers") }
            var proved: StarkProof?
            let proveTime = try clock.measure { proved = try BatchProver.prove(witness: current) }
            proveTimes.append(proveTime.seconds)
            proof = proved
            witness = current
        }
        guard let proof, let witness else { throw CommandFailure("--runs must be at least 1") }

        let bytes = proof.encoded()
        var verifyTimes = [Double]()
        for _ in 0..<verifyRuns {
            let time = try clock.measure {
                let decoded = try StarkProof(decoding: bytes)
                try BatchVerifier.verify(proof: decoded, publicInputs: witness.publicInputs)
            }
            verifyTimes.append(time.seconds)
        }
        return Measurement(
            transfers: count, slots: witness.publicInputs.slotCount, traceRows: witness.air.traceLength,
            witnessSeconds: witnessTime.seconds, proveSeconds: proveTimes, verifySeconds: verifyTimes,
            proofBytes: bytes.count, security: SecurityEstimate(options: proof.options, traceLength: witness.air.traceLength),
            peakMemory: ProcessMemory.read(pid: getpid()).peak)
    }

    /// A distinct, non-zero 20-byte address for account `index` (below 2^32 − 1).
    static func address(_ index: Int) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: 20)
        bytes[0] = 0xB0
        withUnsafeBytes(of: UInt32(index + 1).bigEndian) { bytes.replaceSubrange(16..<20, with: $0) }
        return bytes
    }

    // MARK: - Report

    static func table(_ measurements: [Measurement], cores: Int, accounts: Int = defaultAccounts, pattern: Pattern = .cycle)
        -> String
    {
        var lines = [
            "Batch proofs on \(cores) core\(cores == 1 ? "" : "s") (default options; median of the runs), "
                + "\(pattern.rawValue) transfers in a state of \(accounts) accounts",
            "transfers  slots  rows    witness    prove (min-max)          proof        verify     proven tx/s  peak mem   security",
        ]
        for m in measurements {
            let prove = "\(format(m.proveMedian)) s (\(format(m.proveSeconds.min() ?? 0))-\(format(m.proveSeconds.max() ?? 0)))"
            lines.append(
                pad("\(m.transfers)", 11) + pad("\(m.slots)", 7) + pad("2^\(m.traceRows.trailingZeroBitCount)", 8)
                    + pad("\(format(m.witnessSeconds)) s", 11) + pad(prove, 25)
                    + pad("\(m.proofBytes / 1024) KiB", 13) + pad("\(format(m.verifyMedian * 1000)) ms", 11)
                    + pad(String(format: "%.0f", m.transfersPerSecond), 13)
                    + pad(String(format: "%.2f GB", Double(m.peakMemory) / 1e9), 11)
                    + "\(m.security.provenBits) proven / \(m.security.conjecturedBits) conj. bits")
        }
        return lines.joined(separator: "\n")
    }

    static func json(_ measurements: [Measurement], cores: Int, accounts: Int = defaultAccounts, pattern: Pattern = .cycle)
        -> String
    {
        let rows = measurements.map { m in
            """
            {"transfers":\(m.transfers),"slots":\(m.slots),"trace_rows":\(m.traceRows),\
            "witness_s":\(format(m.witnessSeconds)),"prove_s":{"median":\(format(m.proveMedian)),\
            "min":\(format(m.proveSeconds.min() ?? 0)),"max":\(format(m.proveSeconds.max() ?? 0))},\
            "proof_bytes":\(m.proofBytes),"verify_ms":{"median":\(format(m.verifyMedian * 1000))},\
            "proven_tps":\(String(format: "%.1f", m.transfersPerSecond)),\
            "proven_bits":\(m.security.provenBits),"conjectured_bits":\(m.security.conjecturedBits),\
            "peak_memory_bytes":\(m.peakMemory)}
            """
        }
        return "{\"cores\":\(cores),\"accounts\":\(accounts),\"pattern\":\"\(pattern.rawValue)\",\"batches\":["
            + rows.joined(separator: ",") + "]}\n"
    }

    private static func format(_ value: Double) -> String { String(format: "%.3f", value) }
    private static func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text + " " : text + String(repeating: " ", count: width - text.count)
    }
}

extension Duration {
    fileprivate var seconds: Double {
        let (whole, fraction) = components
        return Double(whole) + Double(fraction) / 1e18
    }
}

/// SplitMix64 (Steele, Lea, Flood 2014): a small, seeded, reproducible generator for
/// synthetic loads. Not for anything secret.
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
