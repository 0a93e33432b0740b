import BatchProof
import Foundation
import Stark
import StateTree

extension ProofBench {
    /// Which batch AIR the bench proves.
    enum AIRVersion: String, CaseIterable, Sendable {
        /// `cloister.batch.v2`: two depth-31 paths per operation.
        case v2
        /// `cloister.batch.v3`: the batch as one multi-update (the default).
        case v3
    }

    /// One size with AIR v3: the genesis `AccountTree` applies the batch as the node does
    /// (`apply`, seeded randomness), the witness is built from its `TreeUpdate` ("witness"
    /// is both), then proved and verified from the encoded bytes.
    func measureV3(transfers count: Int, progress: (String) -> Void) throws -> Measurement {
        let clock = ContinuousClock()
        let asset = [UInt8](repeating: 0, count: 20)
        let accounts = (0..<self.accounts).map { Self.address($0) }
        progress("\(count) transfers: genesis tree of \(self.accounts) accounts")
        let seed = [UInt8](repeating: 7, count: 32)
        let genesis = try AccountTree.genesis(
            holdings: accounts.map { (account: $0, asset: asset, balance: UInt128(1) << 80) },
            supplies: [(asset: asset, supply: UInt128(self.accounts) << 80)],
            randomness: try WitnessRandomness.seeded(seed, label: "genesis"))
        let assetID = AccountLeaf.assetID(of: asset)
        let operations = transferIndices(count: count).enumerated().map { index, pair in
            LeafOperation(
                kind: .transfer, fromKey: AccountLeaf.key(account: accounts[pair.from], asset: asset),
                toKey: AccountLeaf.key(account: accounts[pair.to], asset: asset), asset: assetID,
                amount: UInt128(1_000 + index))
        }
        var witnessTime = Duration.zero
        var proveTimes = [Double]()
        var proof: StarkProof?
        var witness: BatchWitnessV3?
        for run in 0..<proofRuns {
            progress("\(count) transfers: proof \(run + 1) of \(proofRuns)")
            var built: BatchWitnessV3?
            witnessTime = try clock.measure {
                var tree = genesis
                var randomness = try WitnessRandomness.seeded(seed, label: "batch 1")
                let (update, _) = try tree.apply(operations, randomness: &randomness)
                built = try BatchWitnessV3.make(
                    number: 1, update: update, randomness: try WitnessRandomness.seeded(seed, label: "batch 1"))
            }
            guard let current = built else { throw CommandFailure("no witness was built for \(count) transfers") }
            let blocks = current.blockCounts
            progress(
                "\(count) transfers: \(blocks.operations) operations, \(blocks.leaves) touched leaves, \(blocks.merges) merges "
                    + "(\(current.air.mergeSlotsPerBlock) merge slots a block) "
                    + "(2^\(current.air.traceLength.trailingZeroBitCount) rows, \(current.air.traceWidth) columns)")
            var proved: StarkProof?
            let proveTime = try clock.measure { proved = try BatchProverV3.prove(witness: current) }
            proveTimes.append(Double(proveTime.components.seconds) + Double(proveTime.components.attoseconds) / 1e18)
            proof = proved
            witness = current
        }
        guard let proof, let witness else { throw CommandFailure("--runs must be at least 1") }
        let bytes = proof.encoded()
        var verifyTimes = [Double]()
        for _ in 0..<verifyRuns {
            let time = try clock.measure {
                let decoded = try StarkProof(decoding: bytes)
                try BatchVerifierV3.verify(
                    proof: decoded, publicInputs: witness.publicInputs, traceLength: witness.air.traceLength)
            }
            verifyTimes.append(Double(time.components.seconds) + Double(time.components.attoseconds) / 1e18)
        }
        return Measurement(
            transfers: count, slots: witness.publicInputs.slotCount, traceRows: witness.air.traceLength,
            witnessSeconds: Double(witnessTime.components.seconds) + Double(witnessTime.components.attoseconds) / 1e18,
            proveSeconds: proveTimes, verifySeconds: verifyTimes, proofBytes: bytes.count,
            security: SecurityEstimate(options: proof.options, air: witness.air),
            peakMemory: ProcessMemory.read(pid: getpid()).peak)
    }
}
