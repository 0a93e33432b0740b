import Ledger
import Node
import Sequencer
import Primitives
import Transactions

/// Encodes chain objects in the execution-apis JSON schemas (QUANTITY and DATA hex).
enum EthereumJSON {
    static func quantity(_ value: UInt64) -> JSON { .string(Hex.encodeQuantity(value)) }
    static func quantity(_ value: UInt256) -> JSON { .string(value.quantity) }
    static func data(_ bytes: some Sequence<UInt8>) -> JSON { .string(Hex.encode(bytes)) }
    static func hash(_ value: Hash32) -> JSON { .string(value.hex) }
    static func address(_ value: Address) -> JSON { .string(value.hex) }

    /// A block as the caller sees it (`MemberView.SeenBlock`).
    static func block(_ block: MemberView.SeenBlock, transactions: [JSON]) -> JSON {
        let header = block.header
        return .object([
            ("number", quantity(header.number)),
            ("hash", hash(block.hash)),
            ("parentHash", hash(header.parentHash)),
            ("nonce", data(withUnsafeBytes(of: header.nonce.bigEndian) { Array($0) })),
            ("sha3Uncles", hash(header.ommersHash)),
            ("logsBloom", data(header.logsBloom.bytes)),
            ("transactionsRoot", hash(header.transactionsRoot)),
            ("stateRoot", hash(header.stateRoot)),
            ("receiptsRoot", hash(header.receiptsRoot)),
            ("miner", address(header.beneficiary)),
            ("difficulty", quantity(header.difficulty)),
            ("totalDifficulty", quantity(UInt64(0))),
            ("extraData", data(header.extraData)),
            ("size", quantity(UInt64(block.size))),
            ("gasLimit", quantity(header.gasLimit)),
            ("gasUsed", quantity(header.gasUsed)),
            ("timestamp", quantity(header.timestamp)),
            ("mixHash", hash(header.mixHash)),
            ("baseFeePerGas", quantity(header.baseFeePerGas)),
            ("transactions", .array(transactions)),
            ("uncles", .array([])),
        ])
    }

    /// A transaction as the caller sees it. Its sender (and an auditor) sees it whole; another
    /// party sees it with the sender's nonce and signature withheld (zero): the nonce counts
    /// the sender's transactions with everyone, and the hash stays a hiding commitment only
    /// while the signature is unknown.
    static func transaction(_ seen: MemberView.SeenTransaction) -> JSON {
        let included = seen.included
        let signed = included.signed
        let transaction = signed.transaction
        let withheld = !seen.isOwn
        var members: [(String, JSON)] = [
            ("blockHash", hash(seen.blockHash)),
            ("blockNumber", quantity(included.blockNumber)),
            ("from", address(included.sender)),
            ("gas", quantity(transaction.gasLimit)),
            ("gasPrice", quantity(transaction.type == .dynamicFee ? transaction.maxFeePerGas : transaction.gasPrice)),
            ("hash", hash(signed.hash)),
            ("input", data(transaction.data)),
            ("nonce", quantity(withheld ? 0 : transaction.nonce)),
            ("to", transaction.to.map(address) ?? .null),
            ("transactionIndex", quantity(UInt64(seen.index))),
            ("value", quantity(transaction.value)),
            ("type", quantity(UInt64(transaction.type.rawValue))),
            ("v", quantity(withheld ? 0 : signed.v)),
            ("r", quantity(withheld ? .zero : signed.signature.r)),
            ("s", quantity(withheld ? .zero : signed.signature.s)),
        ]
        if let chainID = transaction.chainID { members.append(("chainId", quantity(chainID))) }
        if transaction.type == .dynamicFee {
            members.append(("maxFeePerGas", quantity(transaction.maxFeePerGas)))
            members.append(("maxPriorityFeePerGas", quantity(transaction.maxPriorityFeePerGas)))
        }
        if transaction.type != .legacy {
            members.append(("yParity", quantity(withheld ? 0 : UInt64(signed.signature.recoveryID))))
            members.append(
                (
                    "accessList",
                    .array(
                        transaction.accessList.map { entry in
                            .object([
                                ("address", address(entry.address)), ("storageKeys", .array(entry.storageKeys.map(hash))),
                            ])
                        })
                ))
        }
        return .object(members)
    }

    /// One log as the caller sees it: `index` counts the logs of the block the caller sees.
    static func log(_ log: Log, in seen: MemberView.SeenTransaction, index: Int) -> JSON {
        .object([
            ("address", address(log.address)),
            ("topics", .array(log.topics.map(hash))),
            ("data", data(log.data)),
            ("blockNumber", quantity(seen.included.blockNumber)),
            ("transactionHash", hash(seen.included.hash)),
            ("transactionIndex", quantity(UInt64(seen.index))),
            ("blockHash", hash(seen.blockHash)),
            ("logIndex", quantity(UInt64(index))),
            ("removed", .bool(false)),
        ])
    }

    /// A receipt as the caller sees it: its logs, index, cumulative gas and bloom count only
    /// what the caller sees; a failed transaction's sender (and an auditor) also gets the
    /// reason, as `revertReason` (ABI-encoded `Error(string)`, as Besu answers).
    static func receipt(_ seen: MemberView.SeenTransaction, gasPrice: UInt256) -> JSON {
        let included = seen.included
        let logs = seen.logs.enumerated().map { offset, index in
            log(included.receipt.logs[index], in: seen, index: seen.firstLogIndex + offset)
        }
        var bloom = LogsBloom()
        for index in seen.logs {
            let entry = included.receipt.logs[index]
            bloom.insert(entry.address)
            for topic in entry.topics { bloom.insert(topic) }
        }
        var members: [(String, JSON)] = [
            ("transactionHash", hash(included.hash)),
            ("transactionIndex", quantity(UInt64(seen.index))),
            ("blockHash", hash(seen.blockHash)),
            ("blockNumber", quantity(included.blockNumber)),
            ("from", address(included.sender)),
            ("to", included.signed.transaction.to.map(address) ?? .null),
            ("cumulativeGasUsed", quantity(seen.cumulativeGasUsed)),
            ("gasUsed", quantity(included.receipt.gasUsed)),
            ("effectiveGasPrice", quantity(gasPrice)),
            ("contractAddress", .null),
            ("logs", .array(logs)),
            ("logsBloom", data(bloom.bytes)),
            ("type", quantity(UInt64(included.signed.transaction.type.rawValue))),
            ("status", quantity(UInt64(included.receipt.succeeded ? 1 : 0))),
        ]
        if seen.isOwn, !included.receipt.succeeded, let reason = included.receipt.revertReason {
            members.append(("revertReason", data(ABI.encodeRevert(reason))))
        }
        return .object(members)
    }
}
