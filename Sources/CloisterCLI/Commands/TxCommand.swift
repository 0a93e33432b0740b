import ArgumentParser
import Foundation
import Primitives
import Transactions

struct TxCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tx", abstract: "Work with raw Ethereum transactions.", subcommands: [Decode.self])

    struct Decode: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Decode, validate and recover the sender of a raw transaction; print it as JSON.",
            discussion: """
                Runs the same stateless checks as the node's admission: canonical RLP, replay \
                protection, field bounds, fee-cap order, intrinsic gas, low-s signature. \
                An invalid transaction prints the reason on stderr and exits 1.
                """)

        @Argument(help: "The raw transaction as 0x-prefixed hex (what eth_sendRawTransaction takes).")
        var hex: String

        @Option(help: "Require this chain id (default: accept the transaction's own).")
        var chainId: UInt64?

        func run() throws {
            let raw: [UInt8]
            do { raw = try Hex.decodeData(hex.trimmingCharacters(in: .whitespacesAndNewlines)) } catch {
                throw CommandFailure("invalid transaction hex: \(error)")
            }
            let signed: SignedTransaction
            let sender: Address
            do {
                signed = try TransactionCodec.decode(raw)
                let validator = TransactionValidator(chainID: chainId ?? signed.transaction.chainID ?? 0)
                try validator.validate(signed)
                sender = try signed.recoverSender()
            } catch {
                throw CommandFailure("invalid transaction: \(error)")
            }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            let json = try encoder.encode(DecodedTransactionJSON(signed, sender: sender))
            print(String(decoding: json, as: UTF8.self))
        }
    }
}

/// The JSON shape of `tx decode`: field names and QUANTITY/DATA encodings as in JSON-RPC.
struct DecodedTransactionJSON: Encodable {
    struct AccessListEntryJSON: Encodable {
        let address: String
        let storageKeys: [String]
    }

    let type: String
    let chainId: String?
    let nonce: String
    let gasPrice: String?
    let maxPriorityFeePerGas: String?
    let maxFeePerGas: String?
    let gas: String
    let to: String?
    let value: String
    let data: String
    let accessList: [AccessListEntryJSON]?
    let v: String
    let r: String
    let s: String
    let hash: String
    let sender: String

    init(_ signed: SignedTransaction, sender: Address) {
        let transaction = signed.transaction
        type = Hex.encodeQuantity(UInt64(transaction.type.rawValue))
        chainId = transaction.chainID.map(Hex.encodeQuantity)
        nonce = Hex.encodeQuantity(transaction.nonce)
        let isDynamicFee = transaction.type == .dynamicFee
        gasPrice = isDynamicFee ? nil : transaction.gasPrice.quantity
        maxPriorityFeePerGas = isDynamicFee ? transaction.maxPriorityFeePerGas.quantity : nil
        maxFeePerGas = isDynamicFee ? transaction.maxFeePerGas.quantity : nil
        gas = Hex.encodeQuantity(transaction.gasLimit)
        to = transaction.to?.checksummed
        value = transaction.value.quantity
        data = Hex.encode(transaction.data)
        accessList =
            transaction.type == .legacy
            ? nil
            : transaction.accessList.map {
                AccessListEntryJSON(address: $0.address.checksummed, storageKeys: $0.storageKeys.map(\.hex))
            }
        v = signed.v.quantity
        r = signed.signature.r.quantity
        s = signed.signature.s.quantity
        hash = signed.hash.hex
        self.sender = sender.checksummed
    }
}
