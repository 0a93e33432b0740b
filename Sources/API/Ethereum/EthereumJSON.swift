import Ledger
import Node
import Primitives
import Transactions

/// Encodes chain objects in the execution-apis JSON schemas (QUANTITY and DATA hex).
enum EthereumJSON {
    static func quantity(_ value: UInt64) -> JSON { .string(Hex.encodeQuantity(value)) }
    static func quantity(_ value: UInt256) -> JSON { .string(value.quantity) }
    static func data(_ bytes: some Sequence<UInt8>) -> JSON { .string(Hex.encode(bytes)) }
    static func hash(_ value: Hash32) -> JSON { .string(value.hex) }
    static func address(_ value: Address) -> JSON { .string(value.hex) }

    static func block(_ block: SequencedBlock, transactions: [JSON]) -> JSON {
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
            ("size", quantity(UInt64(block.encoded.count))),
            ("gasLimit", quantity(header.gasLimit)),
            ("gasUsed", quantity(header.gasUsed)),
            ("timestamp", quantity(header.timestamp)),
            ("mixHash", hash(header.mixHash)),
            ("baseFeePerGas", quantity(header.baseFeePerGas)),
            ("transactions", .array(transactions)),
            ("uncles", .array([])),
        ])
    }

    static func transaction(_ included: IncludedTransaction) -> JSON {
        let signed = included.signed
        let transaction = signed.transaction
        var members: [(String, JSON)] = [
            ("blockHash", hash(included.blockHash)),
            ("blockNumber", quantity(included.blockNumber)),
            ("from", address(included.sender)),
            ("gas", quantity(transaction.gasLimit)),
            ("gasPrice", quantity(transaction.type == .dynamicFee ? transaction.maxFeePerGas : transaction.gasPrice)),
            ("hash", hash(signed.hash)),
            ("input", data(transaction.data)),
            ("nonce", quantity(transaction.nonce)),
            ("to", transaction.to.map(address) ?? .null),
            ("transactionIndex", quantity(UInt64(included.position))),
            ("value", quantity(transaction.value)),
            ("type", quantity(UInt64(transaction.type.rawValue))),
            ("v", quantity(signed.v)),
            ("r", quantity(signed.signature.r)),
            ("s", quantity(signed.signature.s)),
        ]
        if let chainID = transaction.chainID { members.append(("chainId", quantity(chainID))) }
        if transaction.type == .dynamicFee {
            members.append(("maxFeePerGas", quantity(transaction.maxFeePerGas)))
            members.append(("maxPriorityFeePerGas", quantity(transaction.maxPriorityFeePerGas)))
        }
        if transaction.type != .legacy {
            members.append(("yParity", quantity(UInt64(signed.signature.recoveryID))))
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

    static func log(_ log: Log, in included: IncludedTransaction, index: Int) -> JSON {
        .object([
            ("address", address(log.address)),
            ("topics", .array(log.topics.map(hash))),
            ("data", data(log.data)),
            ("blockNumber", quantity(included.blockNumber)),
            ("transactionHash", hash(included.hash)),
            ("transactionIndex", quantity(UInt64(included.position))),
            ("blockHash", hash(included.blockHash)),
            ("logIndex", quantity(UInt64(index))),
            ("removed", .bool(false)),
        ])
    }

    /// A receipt with only the logs in `visibleLogs` (indices into the receipt's logs).
    static func receipt(_ included: IncludedTransaction, visibleLogs: [Int], gasPrice: UInt256) -> JSON {
        let logs = visibleLogs.map { log(included.receipt.logs[$0], in: included, index: included.firstLogIndex + $0) }
        var bloom = LogsBloom()
        for index in visibleLogs {
            let entry = included.receipt.logs[index]
            bloom.insert(entry.address)
            for topic in entry.topics { bloom.insert(topic) }
        }
        return .object([
            ("transactionHash", hash(included.hash)),
            ("transactionIndex", quantity(UInt64(included.position))),
            ("blockHash", hash(included.blockHash)),
            ("blockNumber", quantity(included.blockNumber)),
            ("from", address(included.sender)),
            ("to", included.signed.transaction.to.map(address) ?? .null),
            ("cumulativeGasUsed", quantity(included.cumulativeGasUsed)),
            ("gasUsed", quantity(included.receipt.gasUsed)),
            ("effectiveGasPrice", quantity(gasPrice)),
            ("contractAddress", .null),
            ("logs", .array(logs)),
            ("logsBloom", data(bloom.bytes)),
            ("type", quantity(UInt64(included.signed.transaction.type.rawValue))),
            ("status", quantity(UInt64(included.receipt.succeeded ? 1 : 0))),
        ])
    }
}
