import StarkCrypto
import StarkMath

/// A transfer between two account slots of the same asset.
public struct Transfer: Sendable, Hashable {
    /// The sender's slot (its leaf is debited and its nonce goes up by one).
    public let from: Int
    /// The receiver's slot (its leaf is credited).
    public let to: Int
    /// Below 2⁶² (``BatchOperation/amountBound``).
    public let amount: UInt64

    public init(from: Int, to: Int, amount: UInt64) {
        self.from = from
        self.to = to
        self.amount = amount
    }
}

/// The transfers sealed in one batch, applied in order.
public struct Batch: Sendable, Hashable {
    /// The batch number (public input, also bound into the operations commitment).
    public let number: UInt64
    /// Operation slots in the proof: a power of two; slots after the transfers are
    /// padding operations that change nothing.
    public let slotCount: Int
    public let transfers: [Transfer]

    public init(number: UInt64, slotCount: Int, transfers: [Transfer]) {
        self.number = number
        self.slotCount = slotCount
        self.transfers = transfers
    }
}

/// One operation slot as the AIR sees it and the operations commitment absorbs it.
///
/// `kind` is 1 for a transfer and 0 for padding. A padding operation has amount zero and
/// leaves both leaves unchanged. `senderNonce` is the sender's nonce before the transfer
/// (the nonce the signed transaction carries), so an auditor who opens the commitment can
/// match each operation to a signed transaction.
public struct BatchOperation: Sendable, Hashable {
    public let kind: UInt64
    public let from: Int
    public let to: Int
    public let amount: UInt64
    public let fromKey: Goldilocks
    public let toKey: Goldilocks
    public let senderNonce: UInt64

    /// Amounts are range-checked to 62 bits, so that a balance below 2⁶³ plus an amount
    /// never reaches p and the 63-bit check on the result catches every overflow.
    public static let amountBound: UInt64 = 1 << 62

    public static let transferKind: UInt64 = 1
    public static let paddingKind: UInt64 = 0

    public init(
        kind: UInt64, from: Int, to: Int, amount: UInt64, fromKey: Goldilocks, toKey: Goldilocks, senderNonce: UInt64
    ) {
        self.kind = kind
        self.from = from
        self.to = to
        self.amount = amount
        self.fromKey = fromKey
        self.toKey = toKey
        self.senderNonce = senderNonce
    }

    /// The eight elements the operations commitment absorbs for this operation:
    /// `[kind, from, to, amount, fromKey, toKey, senderNonce, 0]` (the last lane is free
    /// for later operation types).
    public var fields: [Goldilocks] {
        [
            Goldilocks(reducing: kind), Goldilocks(reducing: UInt64(from)), Goldilocks(reducing: UInt64(to)),
            Goldilocks(reducing: amount), fromKey, toKey, Goldilocks(reducing: senderNonce), .zero,
        ]
    }
}

/// The hiding commitment to a batch's ordered operations, as the AIR computes it.
///
/// An RPO sponge (overwrite mode) whose first state is
/// `[batch number, slot count, 0, 0 ‖ salt (8 elements)]`; for each operation slot:
/// permute, overwrite the rate with the operation's ``BatchOperation/fields``, permute.
/// The commitment is lanes 4…7 of the final state. The salt is private (eight random
/// elements from the CSPRNG), so the commitment reveals nothing about the operations;
/// whoever holds the salt and the operations (an auditor) can recompute it.
public enum OperationsCommitment {
    public static let saltCount = 8

    public static func initialState(batchNumber: UInt64, slotCount: Int, salt: [Goldilocks]) -> RPOState {
        precondition(salt.count == saltCount, "the operations salt has \(saltCount) elements")
        return RPOState(
            [Goldilocks(reducing: batchNumber), Goldilocks(reducing: UInt64(slotCount)), .zero, .zero] + salt)
    }

    public static func compute(
        batchNumber: UInt64, slotCount: Int, salt: [Goldilocks], operations: [BatchOperation]
    ) -> RPODigest {
        var state = initialState(batchNumber: batchNumber, slotCount: slotCount, salt: salt)
        for operation in operations {
            RPO256.permute(&state)
            for (offset, field) in operation.fields.enumerated() { state[RPO256.capacity + offset] = field }
            RPO256.permute(&state)
        }
        return state.digest
    }
}
