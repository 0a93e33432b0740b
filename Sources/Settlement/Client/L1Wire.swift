import Primitives

// Request and response bodies of the L1 HTTP API that are not records themselves.
// Shared by the service and `HTTPL1Client`, so both sides read the same JSON.

package struct ProveBody: Codable {
    package var batchNumber: UInt64
    package var batchHash: Hash32
    package var proof: [UInt8]

    package enum CodingKeys: String, CodingKey { case batchNumber, batchHash, proof }

    package init(batchNumber: UInt64, batchHash: Hash32, proof: [UInt8]) {
        self.batchNumber = batchNumber
        self.batchHash = batchHash
        self.proof = proof
    }

    package init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        batchNumber = try c.decode(UInt64.self, forKey: .batchNumber)
        batchHash = try c.decode(Hash32.self, forKey: .batchHash)
        proof = try c.decodeHexBytes(.proof)
    }

    package func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(batchNumber, forKey: .batchNumber)
        try c.encode(batchHash, forKey: .batchHash)
        try c.encode(hexBytes: proof, forKey: .proof)
    }
}

package struct ExecuteBody: Codable {
    package var batchNumber: UInt64
    package var batchHash: Hash32

    package init(batchNumber: UInt64, batchHash: Hash32) {
        self.batchNumber = batchNumber
        self.batchHash = batchHash
    }

}

package struct RevertBody: Codable {
    package var toBatch: UInt64
    package var lastCommittedBatchHash: Hash32

    package init(toBatch: UInt64, lastCommittedBatchHash: Hash32) {
        self.toBatch = toBatch
        self.lastCommittedBatchHash = lastCommittedBatchHash
    }

}

/// `POST /deposits`: the queue index is assigned by the L1.
package struct DepositBody: Codable {
    package var recipient: Address
    package var asset: Address
    package var amount: UInt256
    package var sender: Address

    package enum CodingKeys: String, CodingKey { case recipient, asset, amount, sender }

    package init(recipient: Address, asset: Address, amount: UInt256, sender: Address) {
        self.recipient = recipient
        self.asset = asset
        self.amount = amount
        self.sender = sender
    }

    package init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        recipient = try c.decode(Address.self, forKey: .recipient)
        asset = try c.decode(Address.self, forKey: .asset)
        amount = try c.decode(UInt256.self, forKey: .amount)
        sender = try c.contains(.sender) ? c.decode(Address.self, forKey: .sender) : .zero
    }

    package func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(recipient, forKey: .recipient)
        try c.encode(asset, forKey: .asset)
        try c.encode(amount, forKey: .amount)
        try c.encode(sender, forKey: .sender)
    }
}

/// `GET /batches/{n}/proof`.
package struct ProofResponse: Codable {
    package var batchNumber: UInt64
    package var proof: [UInt8]

    package enum CodingKeys: String, CodingKey { case batchNumber, proof }

    package init(batchNumber: UInt64, proof: [UInt8]) {
        self.batchNumber = batchNumber
        self.proof = proof
    }

    package init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        batchNumber = try c.decode(UInt64.self, forKey: .batchNumber)
        proof = try c.decodeHexBytes(.proof)
    }

    package func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(batchNumber, forKey: .batchNumber)
        try c.encode(hexBytes: proof, forKey: .proof)
    }
}

/// Every refusal: `{"error": {"kind": "...", "message": "..."}}` with the matching HTTP status.
package struct ErrorBody: Codable {
    package struct Detail: Codable {
        var kind: SettlementError.Kind
        var message: String
    }

    package var error: Detail

    package init(_ error: SettlementError) { self.error = Detail(kind: error.kind, message: error.message) }
}
