import Foundation
import Ledger
import Locking
import Logging
import Policy
import Primitives
import Settlement
import StarkCrypto
import StateTree
import Store
import Transactions
import NodeConfiguration

extension Chain {
    // MARK: - Admission

    /// Decodes, validates, recovers the signer and maps the operation (outside the actor), then
    /// queues the transaction if its nonce fits. Returns the transaction hash.
    public nonisolated func submit(raw: [UInt8]) async throws(AdmissionError) -> Hash32 {
        let admitted: AdmittedTransaction
        do {
            admitted = try admit(raw: raw)
        } catch {
            await recordAdmissionRefusal(raw: raw, error)
            throw error
        }
        try await enqueue(admitted)
        return admitted.hash
    }

    /// Audits and counts a transaction refused before it could be decoded or validated.
    public func recordAdmissionRefusal(raw: [UInt8], _ error: AdmissionError) {
        recordRefusal(hash: Keccak256.hash(raw), sender: nil, error)
    }

    func recordRefusal(hash: Hash32, sender: Address?, _ error: AdmissionError) {
        metrics.transactionRefused(reason: error.metricReason)
        pendingAudit.append(
            AuditEntry(
                kind: .admissionRefused, time: clock(), transaction: hash.hex, actor: sender?.checksummed,
                outcome: "refused", detail: error.description))
    }

    /// Audits and counts transactions a full mempool dropped because they were stranded behind
    /// a nonce gap: each was admitted, so its sender (and the auditor) can see why it never ran.
    /// They leave the admission journal too, so a restart does not bring them back. One whose
    /// journal write is still under way, or a failed drop, leaves its entry for the restart,
    /// which strands or runs it again (as before evictions dropped anything).
    func recordEvictions(_ evicted: [AdmittedTransaction]) {
        metrics.transactionsEvicted(evicted.count)
        if journal != nil { try? store.dropAdmissions(evicted.map(\.hash)) }
        let now = clock()
        for transaction in evicted {
            pendingAudit.append(
                AuditEntry(
                    kind: .mempoolEvicted, time: now, transaction: transaction.hash.hex, actor: transaction.sender.checksummed,
                    outcome: "evicted",
                    detail: "dropped from the full mempool: nonce \(transaction.nonce) waited behind a nonce this sender has not sent"))
        }
        logger.warning(
            "full mempool dropped transactions stranded behind nonce gaps", metadata: ["count": "\(evicted.count)"])
    }

    /// The stateless half of admission; safe to run on any thread.
    public nonisolated func admit(raw: [UInt8]) throws(AdmissionError) -> AdmittedTransaction {
        let signed: SignedTransaction
        let sender: Address
        do {
            signed = try TransactionCodec.decode(raw)
            try validator.validate(signed)
            sender = try signed.recoverSender()
        } catch {
            throw .invalidTransaction(error)
        }
        let operation: Ledger.Operation
        do {
            operation = try OperationDecoder.operation(for: signed.transaction, tokens: tokenDefinitions)
        } catch {
            throw .unsupportedOperation(error)
        }
        return AdmittedTransaction(signed: signed, sender: sender, operation: operation)
    }


    /// The stateful half: nonce ordering and pool bounds, then the admission journal. A
    /// transaction is accepted (its hash may be answered) only once it is journaled, so a
    /// crash after the answer loses nothing: the restart puts it back in the mempool.
    public nonisolated func enqueue(_ transaction: AdmittedTransaction) async throws(AdmissionError) {
        if let refusal = await enqueue(contentsOf: [transaction])[0] { throw refusal }
    }

    /// The stateful half for many transactions at once (a JSON-RPC batch): one hop onto the
    /// actor instead of one per transaction, so request handlers keep recovering signatures
    /// while a block is produced, and one journal write for all. Each transaction is decided
    /// on its own, in the order given; the result holds nil where it was accepted and the
    /// refusal where it was not.
    public nonisolated func enqueue(contentsOf transactions: [AdmittedTransaction]) async -> [AdmissionError?] {
        let asked = ContinuousClock.now
        var results = await queue(contentsOf: transactions)
        let decided = ContinuousClock.now
        let accepted = results.indices.filter { results[$0] == nil }
        for (index, refusal) in zip(accepted, await journalAccepted(accepted.map { transactions[$0] })) {
            results[index] = refusal
        }
        if !accepted.isEmpty {
            metrics.admissionWaited(forMempool: decided - asked, forJournal: journal == nil ? nil : ContinuousClock.now - decided)
        }
        return results
    }

    /// Queues each transaction in the mempool (on the actor), nil where it was queued.
    func queue(contentsOf transactions: [AdmittedTransaction]) -> [AdmissionError?] {
        let timestamp = clock() / 1000
        return transactions.map { transaction -> AdmissionError? in
            do throws(AdmissionError) {
                try enqueue(transaction, timestamp: timestamp)
                return nil
            } catch {
                return error
            }
        }
    }

    /// Journals queued transactions (group commit). The wait runs off the actor: the answer
    /// goes to its request as soon as its group is on the disk, without queueing behind the
    /// block being executed. Only a failure comes back to the actor, to take back those still
    /// waiting and refuse them; any a block took in the meantime stand (they are in a stored block).
    nonisolated func journalAccepted(_ transactions: [AdmittedTransaction]) async -> [AdmissionError?] {
        guard let journal, !transactions.isEmpty else { return transactions.map { _ in nil } }
        do {
            try await journal.record(transactions.map { ($0.hash, $0.signed.rawBytes) })
            return transactions.map { _ in nil }
        } catch {
            return await refuseUnjournaled(transactions, failure: error)
        }
    }

    /// Takes back the transactions whose journal write failed, if no block took them meanwhile.
    func refuseUnjournaled(_ transactions: [AdmittedTransaction], failure: any Error) -> [AdmissionError?] {
        let withdrawn = mempool.withdraw(transactions.map(\.hash))
        logger.error(
            "accepted transactions could not be journaled; refused",
            metadata: ["count": "\(withdrawn.count)", "reason": "\(failure)"])
        let refusal = AdmissionError.notJournaled("\(failure)")
        for transaction in transactions where withdrawn.contains(transaction.hash) {
            metrics.transactionRefused(reason: refusal.metricReason)
        }
        return transactions.map { withdrawn.contains($0.hash) ? refusal : nil }
    }

    /// Puts the journaled transactions back in the mempool after a restart, in the order they
    /// were accepted, each checked again (a transaction that can no longer run — its nonce
    /// used by a block, refused by a policy loaded since — leaves the journal, audited).
    /// - Returns: how many went back into the mempool.
    func restoreJournaledAdmissions() throws -> Int {
        guard journal != nil else { return 0 }
        let entries = try store.admissionJournal()
        guard !entries.isEmpty else { return 0 }
        let timestamp = clock() / 1000
        var restored = 0
        var dropped = [Hash32]()
        for entry in entries {
            // Already in a block (the journal write landed after the block took it): nothing to restore.
            if try store.transaction(hash: entry.hash) != nil {
                dropped.append(entry.hash)
                continue
            }
            do throws(AdmissionError) {
                try enqueue(try admit(raw: entry.raw), timestamp: timestamp)
                restored += 1
            } catch {
                dropped.append(entry.hash)
            }
        }
        try store.dropAdmissions(dropped)
        logger.notice(
            "journaled transactions restored to the mempool", metadata: ["restored": "\(restored)", "dropped": "\(dropped.count)"])
        return restored
    }

    /// Audits and counts transactions refused before they could be decoded or validated.
    public func recordAdmissionRefusals(_ refusals: [(raw: [UInt8], error: AdmissionError)]) {
        for refusal in refusals { recordAdmissionRefusal(raw: refusal.raw, refusal.error) }
    }

    func enqueue(_ transaction: AdmittedTransaction, timestamp: UInt64) throws(AdmissionError) {
        do throws(AdmissionError) {
            // Fast refusal at admission; the sequencer decides again, authoritatively, at execution.
            if let policy {
                // On the sender's view of the ledger: the answer must not depend on other
                // members' holdings (docs/PRIVACY.md); execution decides on the real state.
                let decision = policy.evaluate(
                    transaction.operation, sender: transaction.sender, timestamp: timestamp,
                    ledger: MemberLedgerView(ledger, owner: transaction.sender),
                    windows: windowsSeen(by: transaction.sender, others: [], for: transaction.operation))
                if !decision.isAllowed {
                    pendingAudit.append(Self.auditDecision(decision, transaction: transaction, block: nil, stage: "admission"))
                    metrics.transactionRefused(reason: "policy:\(decision.ruleID)")
                    throw AdmissionError.policyRefused(rule: decision.ruleID, message: decision.message)
                }
            }
            let evicted = try mempool.insert(
                transaction, stateNonce: ledger.account(transaction.sender).nonce, stateNonceOf: { self.ledger.account($0).nonce })
            metrics.transactionAdmitted()
            if !evicted.isEmpty { recordEvictions(evicted) }
        } catch {
            if case .policyRefused = error { throw error }  // audited above with the rule's inputs
            recordRefusal(hash: transaction.hash, sender: transaction.sender, error)
            throw error
        }
    }

    /// What policy would decide for `operation` by `sender` now (eth_estimateGas, eth_call),
    /// without queueing anything.
    /// - Parameter visible: the caller's addresses: the decision is taken on the part of the
    ///   ledger they may see (`MemberLedgerView`); nil for `read_all` callers (the real state).
    public func checkPolicy(_ operation: Ledger.Operation, sender: Address, visible: Set<Address>?) -> PolicyDecision {
        guard let policy else { return .allow }
        let timestamp = clock() / 1000
        guard let visible else {
            return policy.evaluate(operation, sender: sender, timestamp: timestamp, ledger: ledger, windows: windows)
        }
        return policy.evaluate(
            operation, sender: sender, timestamp: timestamp, ledger: MemberLedgerView(ledger, owner: sender, others: visible),
            windows: windowsSeen(by: sender, others: visible, for: operation))
    }

    /// The transfer-window usage a member's view may count: a `transferFrom` of another
    /// holder's tokens must not reveal that holder's recent volume to the spender.
    func windowsSeen(by sender: Address, others: Set<Address>, for operation: Ledger.Operation) -> TransferWindows {
        if case .transferFrom(_, let from, _, _) = operation, from != sender, !others.contains(from) { return TransferWindows() }
        return windows
    }

    /// Audits a policy refusal answered to a member before anything was queued (`eth_estimateGas`,
    /// `eth_call`): every refusal a member provokes leaves a trace, wherever it was asked.
    public func recordPolicyProbe(_ decision: PolicyDecision, sender: Address, member: String, method: String) {
        metrics.policyRefusalProvoked(member: member, entry: method)
        let inputs = decision.inputs.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        pendingAudit.append(
            AuditEntry(
                kind: .policyDecision, time: clock(), actor: sender.checksummed, rule: decision.ruleID,
                asset: decision.inputs["asset"], outcome: "deny",
                detail: "\(method) by member \(member): \(decision.message)" + (inputs.isEmpty ? "" : " [\(inputs)]")))
    }

    /// A dry run of `operation` by `sender` on the state `sender`'s member may see (`eth_call`
    /// of a state-changing call): its receipt, or why it would fail. Nothing is kept.
    /// - Parameter visible: the caller's addresses; nil for `read_all` callers (the real state).
    public func simulate(_ operation: Ledger.Operation, sender: Address, visible: Set<Address>?) -> ExecutionReceipt {
        var state: LedgerState
        if let visible {
            state = ledger.restricted(to: visible.union([sender]))
        } else {
            state = ledger
        }
        let nonce = state.account(sender).nonce
        guard let receipt = try? StateTransition.execute(operation, sender: sender, nonce: nonce, state: &state) else {
            return ExecutionReceipt(succeeded: false, gasUsed: operation.gasCost, logs: [], revertReason: "the sender's nonce is exhausted")
        }
        return receipt
    }

    /// The compiled policy in force, if any (the API reads membership and permissions from it
    /// on every request, so it is readable without waiting for the actor, e.g. during a block write).
    public nonisolated var currentPolicy: CompiledPolicy? { policyInForce.withLock { $0 } }

    /// Puts a new policy in force from the next block on (the actor runs blocks one at a time,
    /// so a policy never changes in the middle of one).
    public func applyPolicy(_ compiled: CompiledPolicy) throws {
        try recordPolicyInForce(compiled, replacing: policy?.policy.hash.hex)
        policy = PolicyEngine(policy: compiled)
        policyInForce.withLock { $0 = compiled }
        logger.info("policy in force", metadata: ["hash": "\(compiled.hash.hex)", "fromBlock": "\(head.header.number + 1)"])
    }

    /// Adds an audit entry from another part of the node (logins, API decisions); it is
    /// written with the next block, or on its own if none is due.
    public func audit(_ entry: AuditEntry) { pendingAudit.append(entry) }

    /// Records a refused reload: the old policy stays.
    public func recordPolicyRejected(_ reason: String) {
        pendingAudit.append(AuditEntry(kind: .policyRejected, time: clock(), outcome: "rejected", detail: reason))
    }

    static func auditDecision(_ decision: PolicyDecision, transaction: AdmittedTransaction, block: UInt64?, stage: String) -> AuditEntry {
        let inputs = decision.inputs.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        return AuditEntry(
            kind: .policyDecision, time: nowMilliseconds(), block: block, transaction: transaction.hash.hex,
            actor: transaction.sender.checksummed, rule: decision.ruleID,
            asset: transaction.operation.token?.checksummed ?? "native", outcome: decision.isAllowed ? "allow" : "deny",
            detail: "\(stage): \(decision.message)" + (inputs.isEmpty ? "" : " [\(inputs)]"))
    }

    public var pendingCount: Int { mempool.count }

    /// The nonce the sender's next transaction should use, counting pending ones.
    public func pendingNonce(of address: Address) -> UInt64 {
        mempool.pendingNonce(for: address, stateNonce: ledger.account(address).nonce)
    }
}
