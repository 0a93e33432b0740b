import Primitives

/// Decodes and encodes the three transaction envelopes.
///
/// Decoding never recovers the sender; it checks structure (field count, canonical RLP,
/// field sizes) and computes the transaction hash and the signing hash. The signing hash is
/// taken over the raw field encodings as received, so no field is re-encoded on the hot path.
public enum TransactionCodec {
    /// Decodes raw transaction bytes as sent to `eth_sendRawTransaction`.
    public static func decode(_ raw: [UInt8]) throws(TransactionError) -> SignedTransaction {
        guard let first = raw.first else { throw .empty }
        if first >= 0xc0 { return try decodeLegacy(raw) }
        switch first {
        case TransactionType.accessList.rawValue: return try decodeTyped(raw, type: .accessList)
        case TransactionType.dynamicFee.rawValue: return try decodeTyped(raw, type: .dynamicFee)
        default: throw .unsupportedType(first)
        }
    }

    // MARK: - Legacy

    private static func decodeLegacy(_ raw: [UInt8]) throws(TransactionError) -> SignedTransaction {
        var outer = RLPReader(raw)
        var fields = try field("transaction") { () throws(RLPError) in try outer.readList() }
        try field("transaction") { () throws(RLPError) in try outer.finish() }
        try expectFieldCount(fields, 9)
        let payloadStart = fields.position

        let nonce = try readNonce(&fields)
        let gasPrice = try field("gasPrice") { () throws(RLPError) in try fields.readUInt256() }
        let gasLimit = try readGasLimit(&fields)
        let to = try readRecipient(&fields)
        let value = try field("value") { () throws(RLPError) in try fields.readUInt256() }
        let data = try field("data") { () throws(RLPError) in Array(try fields.readBytes()) }
        let signedFieldsEnd = fields.position
        let v = try field("v") { () throws(RLPError) in try fields.readUInt256() }
        let r = try field("r") { () throws(RLPError) in try fields.readUInt256() }
        let s = try field("s") { () throws(RLPError) in try fields.readUInt256() }

        // v = 27/28 (unprotected) or chainId × 2 + 35 + parity (EIP-155).
        let chainID: UInt64?
        let parity: UInt8
        if v == 27 || v == 28 {
            chainID = nil
            parity = UInt8(v.uint64! - 27)
        } else if v >= 35 {
            let (quotient, remainder) = (v - 35).quotientAndRemainder(dividingBy: UInt64(2))
            guard let id = quotient.uint64 else { throw .invalidSignature("v \(v) implies a chain id above 2^64") }
            chainID = id
            parity = UInt8(remainder)
        } else {
            throw .invalidSignature("legacy v must be 27, 28 or chainId × 2 + 35/36, got \(v)")
        }

        // Signing payload: the first six fields as received, then (chainId, 0, 0) under EIP-155.
        // The suffix rlp(chainId) || 0x80 || 0x80 is at most 11 bytes: build it on the stack.
        var suffix: (UInt64, UInt64) = (0, 0)
        let suffixCount = withUnsafeMutableBytes(of: &suffix) { out -> Int in
            guard let chainID else { return 0 }
            var count = 0
            if chainID != 0 && chainID < 0x80 {
                out[0] = UInt8(chainID)
                count = 1
            } else {
                let width = (64 - chainID.leadingZeroBitCount + 7) / 8
                out[0] = 0x80 + UInt8(width)
                for i in 0..<width { out[1 + i] = UInt8(truncatingIfNeeded: chainID >> (8 * UInt64(width - 1 - i))) }
                count = 1 + width
            }
            out[count] = 0x80
            out[count + 1] = 0x80
            return count + 2
        }
        var hasher = Keccak256()
        RLP.withHeader(length: signedFieldsEnd - payloadStart + suffixCount, shortBase: 0xc0) { hasher.update($0) }
        raw.withUnsafeBytes { hasher.update(UnsafeRawBufferPointer(rebasing: $0[payloadStart..<signedFieldsEnd])) }
        withUnsafeBytes(of: &suffix) { hasher.update(UnsafeRawBufferPointer(rebasing: $0[0..<suffixCount])) }

        let transaction = UnsignedTransaction(
            type: .legacy, chainID: chainID, nonce: nonce, maxFeePerGas: gasPrice, maxPriorityFeePerGas: gasPrice,
            gasLimit: gasLimit, to: to, value: value, data: data)
        return SignedTransaction(
            transaction: transaction, signature: RecoverableSignature(r: r, s: s, recoveryID: parity), v: v,
            signingHash: hasher.finalize(), rawBytes: raw)
    }

    // MARK: - Typed (EIP-2930, EIP-1559)

    private static func decodeTyped(_ raw: [UInt8], type: TransactionType) throws(TransactionError) -> SignedTransaction {
        var outer = RLPReader(raw, range: 1..<raw.count)
        var fields = try field("transaction") { () throws(RLPError) in try outer.readList() }
        try field("transaction") { () throws(RLPError) in try outer.finish() }
        try expectFieldCount(fields, type == .dynamicFee ? 12 : 11)
        let payloadStart = fields.position

        let chainIDValue = try field("chainId") { () throws(RLPError) in try fields.readUInt256() }
        let nonce = try readNonce(&fields)
        let maxPriorityFee: UInt256
        let maxFee: UInt256
        if type == .dynamicFee {
            maxPriorityFee = try field("maxPriorityFeePerGas") { () throws(RLPError) in try fields.readUInt256() }
            maxFee = try field("maxFeePerGas") { () throws(RLPError) in try fields.readUInt256() }
        } else {
            maxFee = try field("gasPrice") { () throws(RLPError) in try fields.readUInt256() }
            maxPriorityFee = maxFee
        }
        let gasLimit = try readGasLimit(&fields)
        let to = try readRecipient(&fields)
        let value = try field("value") { () throws(RLPError) in try fields.readUInt256() }
        let data = try field("data") { () throws(RLPError) in Array(try fields.readBytes()) }
        let accessList = try readAccessList(&fields)
        let signedFieldsEnd = fields.position
        let yParity = try field("yParity") { () throws(RLPError) in try fields.readUInt256() }
        let r = try field("r") { () throws(RLPError) in try fields.readUInt256() }
        let s = try field("s") { () throws(RLPError) in try fields.readUInt256() }
        guard yParity <= 1 else { throw .invalidSignature("yParity must be 0 or 1, got \(yParity)") }
        guard let chainID = chainIDValue.uint64 else { throw .wrongChainID(expected: 0, actual: nil) }

        var hasher = Keccak256()
        withUnsafeBytes(of: type.rawValue) { hasher.update($0) }
        RLP.withHeader(length: signedFieldsEnd - payloadStart, shortBase: 0xc0) { hasher.update($0) }
        raw.withUnsafeBytes { hasher.update(UnsafeRawBufferPointer(rebasing: $0[payloadStart..<signedFieldsEnd])) }

        let transaction = UnsignedTransaction(
            type: type, chainID: chainID, nonce: nonce, maxFeePerGas: maxFee, maxPriorityFeePerGas: maxPriorityFee,
            gasLimit: gasLimit, to: to, value: value, data: data, accessList: accessList)
        return SignedTransaction(
            transaction: transaction,
            signature: RecoverableSignature(r: r, s: s, recoveryID: UInt8(yParity.uint64!)), v: yParity,
            signingHash: hasher.finalize(), rawBytes: raw)
    }

    private static func readAccessList(_ fields: inout RLPReader) throws(TransactionError) -> [AccessListEntry] {
        var list = try field("accessList") { () throws(RLPError) in try fields.readList() }
        var entries = [AccessListEntry]()
        while !list.isAtEnd {
            var entry = try field("accessList") { () throws(RLPError) in try list.readList() }
            try expectFieldCount(entry, 2)
            let addressBytes = try field("accessList address") { () throws(RLPError) in try entry.readBytes() }
            guard addressBytes.count == 20 else {
                throw .invalidAddress(field: "access list address", byteCount: addressBytes.count)
            }
            var keys = try field("accessList storageKeys") { () throws(RLPError) in try entry.readList() }
            var storageKeys = [Hash32]()
            while !keys.isAtEnd {
                let key = try field("accessList storage key") { () throws(RLPError) in try keys.readBytes() }
                guard key.count == 32 else { throw .invalidStorageKey(byteCount: key.count) }
                storageKeys.append(Hash32(exactly: key))
            }
            entries.append(AccessListEntry(address: Address(exactly: addressBytes), storageKeys: storageKeys))
        }
        return entries
    }

    // MARK: - Shared fields

    private static func readNonce(_ fields: inout RLPReader) throws(TransactionError) -> UInt64 {
        let nonce = try field("nonce") { () throws(RLPError) in try fields.readUInt256() }
        guard let value = nonce.uint64 else { throw .nonceOverflow }
        return value
    }

    private static func readGasLimit(_ fields: inout RLPReader) throws(TransactionError) -> UInt64 {
        let gas = try field("gasLimit") { () throws(RLPError) in try fields.readUInt256() }
        guard let value = gas.uint64 else { throw .gasLimitOverflow }
        return value
    }

    private static func readRecipient(_ fields: inout RLPReader) throws(TransactionError) -> Address? {
        let bytes = try field("to") { () throws(RLPError) in try fields.readBytes() }
        if bytes.isEmpty { return nil }
        guard bytes.count == 20 else { throw .invalidAddress(field: "to", byteCount: bytes.count) }
        return Address(exactly: bytes)
    }

    private static func expectFieldCount(_ list: RLPReader, _ expected: Int) throws(TransactionError) {
        let count = try field("transaction") { () throws(RLPError) in try list.itemCount() }
        guard count == expected else { throw .wrongFieldCount(expected: expected, actual: count) }
    }

    /// Runs an RLP read and names the field when it fails.
    @inline(__always)
    private static func field<T>(_ name: String, _ read: () throws(RLPError) -> T) throws(TransactionError) -> T {
        do { return try read() } catch { throw .malformedRLP(field: name, error) }
    }

    // MARK: - Encoding and signing

    /// The bytes a sender signs: legacy `rlp([nonce, gasPrice, gas, to, value, data, chainId, 0, 0])`,
    /// typed `type || rlp(fields without the signature)`.
    public static func signingPayload(_ transaction: UnsignedTransaction) -> [UInt8] {
        var output = [UInt8]()
        if transaction.type != .legacy { output.append(transaction.type.rawValue) }
        RLP.encodeList(into: &output) { out in
            appendSignedFields(transaction, into: &out)
            if transaction.type == .legacy, let chainID = transaction.chainID {
                RLP.encode(chainID, into: &out)
                out += [0x80, 0x80]
            }
        }
        return output
    }

    /// The raw encoding of a signed transaction.
    public static func encode(_ transaction: UnsignedTransaction, signature: RecoverableSignature) -> [UInt8] {
        var output = [UInt8]()
        if transaction.type != .legacy { output.append(transaction.type.rawValue) }
        RLP.encodeList(into: &output) { out in
            appendSignedFields(transaction, into: &out)
            RLP.encode(v(transaction, signature), into: &out)
            RLP.encode(signature.r, into: &out)
            RLP.encode(signature.s, into: &out)
        }
        return output
    }

    /// Signs and encodes; the result is exactly what `decode` returns for the same bytes.
    public static func sign(_ transaction: UnsignedTransaction, with key: PrivateKey) -> SignedTransaction {
        let signingHash = Keccak256.hash(signingPayload(transaction))
        let signature = key.sign(messageHash: signingHash)
        let raw = encode(transaction, signature: signature)
        return SignedTransaction(
            transaction: transaction, signature: signature, v: v(transaction, signature), signingHash: signingHash,
            rawBytes: raw)
    }

    /// The `v` field: the parity for typed transactions; for legacy ones 27/28 unprotected, or
    /// `chainId × 2 + 35 + parity` (EIP-155), computed in 256 bits: a chain id above
    /// (2⁶⁴ − 36) / 2, which `decode` accepts, gives a `v` that does not fit 64 bits.
    private static func v(_ transaction: UnsignedTransaction, _ signature: RecoverableSignature) -> UInt256 {
        let parity = UInt256(UInt64(signature.recoveryID))
        guard transaction.type == .legacy else { return parity }
        guard let chainID = transaction.chainID else { return UInt256(27) + parity }
        return UInt256(chainID) * UInt256(2) + UInt256(35) + parity
    }

    private static func appendSignedFields(_ transaction: UnsignedTransaction, into out: inout [UInt8]) {
        if transaction.type != .legacy { RLP.encode(transaction.chainID ?? 0, into: &out) }
        RLP.encode(transaction.nonce, into: &out)
        if transaction.type == .dynamicFee {
            RLP.encode(transaction.maxPriorityFeePerGas, into: &out)
        }
        RLP.encode(transaction.maxFeePerGas, into: &out)
        RLP.encode(transaction.gasLimit, into: &out)
        if let to = transaction.to { RLP.encode(bytes: to.bytes, into: &out) } else { out.append(0x80) }
        RLP.encode(transaction.value, into: &out)
        RLP.encode(bytes: transaction.data, into: &out)
        if transaction.type != .legacy {
            RLP.encodeList(into: &out) { list in
                for entry in transaction.accessList {
                    RLP.encodeList(into: &list) { item in
                        RLP.encode(bytes: entry.address.bytes, into: &item)
                        RLP.encodeList(into: &item) { keys in
                            for key in entry.storageKeys { RLP.encode(bytes: key.bytes, into: &keys) }
                        }
                    }
                }
            }
        }
    }
}
