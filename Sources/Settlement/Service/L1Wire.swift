import Primitives

// Request and response bodies of the L1 HTTP API that are not records themselves.
// Shared by the service and `HTTPL1Client`, so both sides read the same JSON.

struct ProveBody: Codable {
    var batchNumber: UInt64
    var batchHash: Hash32
    var proof: [UInt8]

    enum CodingKeys: String, CodingKey { case batchNumber, batchHash, proof }

    init(batchNumber: UInt64, batchHash: Hash32, proof: [UInt8]) {
        self.batchNumber = batchNumber
        self.batchHash = batchHash
        self.proof = proof
    }

    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        batchNumber = try c.decode(UInt64.self, forKey: .batchNumber)
        batchHash = try c.decodeHash(.batchHash)
        proof = try c.decodeHexBytes(.proof)
    }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(batchNumber, forKey: .batchNumber)
        try c.encode(hash: batchHash, forKey: .batchHash)
        try c.encode(hexBytes: proof, forKey: .proof)
    }
}

struct ExecuteBody: Codable {
    var batchNumber: UInt64
    var batchHash: Hash32

    enum CodingKeys: String, CodingKey { case batchNumber, batchHash }

    init(batchNumber: UInt64, batchHash: Hash32) {
        self.batchNumber = batchNumber
        self.batchHash = batchHash
    }

    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        batchNumber = try c.decode(UInt64.self, forKey: .batchNumber)
        batchHash = try c.decodeHash(.batchHash)
    }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(batchNumber, forKey: .batchNumber)
        try c.encode(hash: batchHash, forKey: .batchHash)
    }
}

struct RevertBody: Codable {
    var toBatch: UInt64
    var lastCommittedBatchHash: Hash32

    enum CodingKeys: String, CodingKey { case toBatch, lastCommittedBatchHash }

    init(toBatch: UInt64, lastCommittedBatchHash: Hash32) {
        self.toBatch = toBatch
        self.lastCommittedBatchHash = lastCommittedBatchHash
    }

    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        toBatch = try c.decode(UInt64.self, forKey: .toBatch)
        lastCommittedBatchHash = try c.decodeHash(.lastCommittedBatchHash)
    }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(toBatch, forKey: .toBatch)
        try c.encode(hash: lastCommittedBatchHash, forKey: .lastCommittedBatchHash)
    }
}

/// `POST /deposits`: the queue index is assigned by the L1.
struct DepositBody: Codable {
    var recipient: Address
    var asset: Address
    var amount: UInt256
    var sender: Address

    enum CodingKeys: String, CodingKey { case recipient, asset, amount, sender }

    init(recipient: Address, asset: Address, amount: UInt256, sender: Address) {
        self.recipient = recipient
        self.asset = asset
        self.amount = amount
        self.sender = sender
    }

    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        recipient = try c.decodeAddress(.recipient)
        asset = try c.decodeAddress(.asset)
        amount = try c.decodeAmount(.amount)
        sender = try c.contains(.sender) ? c.decodeAddress(.sender) : .zero
    }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(address: recipient, forKey: .recipient)
        try c.encode(address: asset, forKey: .asset)
        try c.encode(amount: amount, forKey: .amount)
        try c.encode(address: sender, forKey: .sender)
    }
}

/// `GET /batches/{n}/proof`.
struct ProofResponse: Codable {
    var batchNumber: UInt64
    var proof: [UInt8]

    enum CodingKeys: String, CodingKey { case batchNumber, proof }

    init(batchNumber: UInt64, proof: [UInt8]) {
        self.batchNumber = batchNumber
        self.proof = proof
    }

    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        batchNumber = try c.decode(UInt64.self, forKey: .batchNumber)
        proof = try c.decodeHexBytes(.proof)
    }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(batchNumber, forKey: .batchNumber)
        try c.encode(hexBytes: proof, forKey: .proof)
    }
}

/// Every refusal: `{"error": {"kind": "...", "message": "..."}}` with the matching HTTP status.
struct ErrorBody: Codable {
    struct Detail: Codable {
        var kind: SettlementError.Kind
        var message: String
    }

    var error: Detail

    init(_ error: SettlementError) { self.error = Detail(kind: error.kind, message: error.message) }
}
