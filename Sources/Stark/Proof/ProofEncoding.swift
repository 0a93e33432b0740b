import Primitives
import StarkMath

// The canonical byte encoding of a proof (version 1), all integers little-endian:
//
//   u16 version ‖ u32 trace length ‖ u32 trace width ‖ options (8 bytes) ‖
//   trace root ‖ composition root ‖ elements(trace at z) ‖ elements(trace at g·z) ‖
//   elements(composition at z) ‖ hashes(FRI roots) ‖ elements(remainder) ‖ u64 nonce ‖
//   opening(trace) ‖ opening(composition) ‖ u32 layer count ‖ opening(layer)… ‖
//   [auxiliary section]
//
//   auxiliary section (only for AIRs with an auxiliary segment; absent otherwise, so
//   such proofs are byte for byte what version 1 always was) =
//              u8 0x01 ‖ auxiliary root ‖ elements(auxiliary at z) ‖
//              elements(auxiliary at g·z) ‖ opening(auxiliary)
//
//   options  = u8 extension degree ‖ u8 blowup ‖ u16 queries ‖ u8 grinding ‖ u8 folding ‖
//              u16 remainder max degree
//   elements = u32 count ‖ count × 8-byte canonical element
//   hashes   = u32 count ‖ count × 32 bytes
//   opening  = elements(values) ‖ hashes(salts) ‖ hashes(siblings)
//
// Decoding is strict: one encoding per proof. It refuses another version, non-canonical
// elements, invalid options, counts beyond the bounds below or the remaining bytes, and
// trailing bytes.

extension StarkProof {
    /// Largest encoded proof accepted (bytes).
    public static let maximumEncodedSize = 8 << 20
    static let maximumElementsPerList = 1 << 20
    static let maximumHashesPerList = 1 << 16
    static let maximumLayers = 32
    /// Marks the optional auxiliary-segment section at the end of the encoding.
    static let auxiliarySectionTag: UInt8 = 0x01

    /// The canonical encoding.
    public func encoded() -> [UInt8] {
        var writer = ByteWriter()
        writer.writeUInt16(Self.version)
        writer.writeUInt32(UInt32(traceLength))
        writer.writeUInt32(UInt32(traceWidth))
        writer.writeOptions(options)
        writer.writeHash(traceRoot)
        writer.writeHash(compositionRoot)
        writer.writeElements(outOfDomain.traceAtZ)
        writer.writeElements(outOfDomain.traceAtNextZ)
        writer.writeElements(outOfDomain.compositionAtZ)
        writer.writeHashes(friLayerRoots)
        writer.writeElements(friRemainder)
        writer.writeUInt64(proofOfWorkNonce)
        writer.writeOpening(traceOpening)
        writer.writeOpening(compositionOpening)
        writer.writeUInt32(UInt32(friLayerOpenings.count))
        for opening in friLayerOpenings { writer.writeOpening(opening) }
        if let auxiliary {
            writer.writeUInt8(Self.auxiliarySectionTag)
            writer.writeHash(auxiliary.root)
            writer.writeElements(auxiliary.valuesAtZ)
            writer.writeElements(auxiliary.valuesAtNextZ)
            writer.writeOpening(auxiliary.opening)
        }
        return writer.bytes
    }

    /// Decodes a proof, refusing anything but the canonical encoding of this version.
    /// - Throws: ``StarkError/malformedProof(_:)`` saying what is wrong and where.
    public init(decoding bytes: [UInt8]) throws(StarkError) {
        guard bytes.count <= Self.maximumEncodedSize else {
            throw .malformedProof("\(bytes.count) bytes exceed the \(Self.maximumEncodedSize)-byte limit")
        }
        var reader = ByteReader(bytes)
        let version = try reader.readUInt16("version")
        guard version == Self.version else {
            throw .malformedProof("version \(version) is not supported (this build reads version \(Self.version))")
        }
        let traceLength = Int(try reader.readUInt32("trace length"))
        let traceWidth = Int(try reader.readUInt32("trace width"))
        let options = try reader.readOptions()
        let traceRoot = try reader.readHash("trace root")
        let compositionRoot = try reader.readHash("composition root")
        let outOfDomain = OutOfDomainValues(
            traceAtZ: try reader.readElements("trace values at z"),
            traceAtNextZ: try reader.readElements("trace values at g·z"),
            compositionAtZ: try reader.readElements("composition values at z"))
        let friLayerRoots = try reader.readHashes("FRI layer roots")
        let friRemainder = try reader.readElements("FRI remainder")
        let nonce = try reader.readUInt64("proof-of-work nonce")
        let traceOpening = try reader.readOpening("trace opening")
        let compositionOpening = try reader.readOpening("composition opening")
        let layerCount = Int(try reader.readUInt32("FRI layer opening count"))
        guard layerCount <= Self.maximumLayers else {
            throw .malformedProof("\(layerCount) FRI layer openings exceed the limit of \(Self.maximumLayers)")
        }
        var layerOpenings = [MerkleOpening]()
        for layer in 0..<layerCount { layerOpenings.append(try reader.readOpening("FRI layer \(layer) opening")) }
        var auxiliary: AuxiliarySegmentProof?
        if !reader.isAtEnd {
            let tag = try reader.readUInt8("section tag")
            guard tag == Self.auxiliarySectionTag else {
                throw .malformedProof(
                    "unknown section tag \(tag) after the FRI openings (only \(Self.auxiliarySectionTag), the "
                        + "auxiliary segment, may follow)")
            }
            auxiliary = AuxiliarySegmentProof(
                root: try reader.readHash("auxiliary root"),
                valuesAtZ: try reader.readElements("auxiliary values at z"),
                valuesAtNextZ: try reader.readElements("auxiliary values at g·z"),
                opening: try reader.readOpening("auxiliary opening"))
        }
        guard reader.isAtEnd else { throw .malformedProof("\(reader.remaining) trailing bytes after the proof") }
        self.init(
            traceLength: traceLength, traceWidth: traceWidth, options: options, traceRoot: traceRoot,
            compositionRoot: compositionRoot, outOfDomain: outOfDomain, friLayerRoots: friLayerRoots,
            friRemainder: friRemainder, proofOfWorkNonce: nonce, traceOpening: traceOpening,
            compositionOpening: compositionOpening, friLayerOpenings: layerOpenings, auxiliary: auxiliary)
    }
}

/// Appends little-endian integers, canonical elements and digests.
struct ByteWriter {
    private(set) var bytes: [UInt8] = []

    mutating func writeUInt8(_ value: UInt8) { bytes.append(value) }
    mutating func writeUInt16(_ value: UInt16) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }
    mutating func writeUInt32(_ value: UInt32) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }
    mutating func writeUInt64(_ value: UInt64) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }
    mutating func writeElement(_ element: Goldilocks) { writeUInt64(element.value) }
    mutating func writeHash(_ hash: Hash32) { hash.withUnsafeBytes { bytes.append(contentsOf: $0) } }

    mutating func writeElements(_ elements: [Goldilocks]) {
        writeUInt32(UInt32(elements.count))
        bytes.reserveCapacity(bytes.count + 8 * elements.count)
        for element in elements { writeElement(element) }
    }

    mutating func writeHashes(_ hashes: [Hash32]) {
        writeUInt32(UInt32(hashes.count))
        for hash in hashes { writeHash(hash) }
    }

    mutating func writeOptions(_ options: ProofOptions) {
        writeUInt8(options.fieldExtension.rawValue)
        writeUInt8(UInt8(options.blowupFactor))
        writeUInt16(UInt16(options.queryCount))
        writeUInt8(UInt8(options.grindingBits))
        writeUInt8(UInt8(options.friFoldingFactor))
        writeUInt16(UInt16(options.friRemainderMaxDegree))
    }

    mutating func writeOpening(_ opening: MerkleOpening) {
        writeElements(opening.values)
        writeHashes(opening.salts)
        writeHashes(opening.siblings)
    }
}

/// Reads what ``ByteWriter`` writes, refusing truncation, oversize counts and
/// non-canonical elements; each error names the field being read.
struct ByteReader {
    private let bytes: [UInt8]
    private var offset = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    var remaining: Int { bytes.count - offset }
    var isAtEnd: Bool { offset == bytes.count }

    private mutating func take(_ count: Int, _ field: String) throws(StarkError) -> ArraySlice<UInt8> {
        guard count <= remaining else {
            throw .malformedProof("truncated in \(field): needs \(count) bytes, \(remaining) left")
        }
        defer { offset += count }
        return bytes[offset..<(offset + count)]
    }

    private mutating func readLittleEndian(_ count: Int, _ field: String) throws(StarkError) -> UInt64 {
        let slice = try take(count, field)
        var value: UInt64 = 0
        for (shift, byte) in slice.enumerated() { value |= UInt64(byte) << (8 * shift) }
        return value
    }

    mutating func readUInt8(_ field: String) throws(StarkError) -> UInt8 { UInt8(try readLittleEndian(1, field)) }
    mutating func readUInt16(_ field: String) throws(StarkError) -> UInt16 { UInt16(try readLittleEndian(2, field)) }
    mutating func readUInt32(_ field: String) throws(StarkError) -> UInt32 { UInt32(try readLittleEndian(4, field)) }
    mutating func readUInt64(_ field: String) throws(StarkError) -> UInt64 { try readLittleEndian(8, field) }

    mutating func readElement(_ field: String) throws(StarkError) -> Goldilocks {
        let word = try readUInt64(field)
        guard let element = try? Goldilocks(canonical: word) else {
            throw .malformedProof("\(field) holds \(word), not a canonical field element")
        }
        return element
    }

    mutating func readHash(_ field: String) throws(StarkError) -> Hash32 {
        let slice = try take(32, field)
        return try! Hash32(slice)
    }

    private mutating func readCount(_ field: String, limit: Int, itemSize: Int) throws(StarkError) -> Int {
        let count = Int(try readUInt32("\(field) count"))
        guard count <= limit else { throw .malformedProof("\(field) has \(count) entries, more than \(limit)") }
        guard count * itemSize <= remaining else {
            throw .malformedProof("\(field) claims \(count) entries but only \(remaining) bytes remain")
        }
        return count
    }

    mutating func readElements(_ field: String) throws(StarkError) -> [Goldilocks] {
        let count = try readCount(field, limit: StarkProof.maximumElementsPerList, itemSize: 8)
        var elements = [Goldilocks]()
        elements.reserveCapacity(count)
        for index in 0..<count { elements.append(try readElement("\(field)[\(index)]")) }
        return elements
    }

    mutating func readHashes(_ field: String) throws(StarkError) -> [Hash32] {
        let count = try readCount(field, limit: StarkProof.maximumHashesPerList, itemSize: 32)
        var hashes = [Hash32]()
        hashes.reserveCapacity(count)
        for index in 0..<count { hashes.append(try readHash("\(field)[\(index)]")) }
        return hashes
    }

    mutating func readOptions() throws(StarkError) -> ProofOptions {
        let extensionDegree = try readUInt8("field extension")
        guard let fieldExtension = FieldExtension(rawValue: extensionDegree) else {
            throw .malformedProof("field extension degree \(extensionDegree) is not 2 or 3")
        }
        let blowup = Int(try readUInt8("blowup factor"))
        let queries = Int(try readUInt16("query count"))
        let grinding = Int(try readUInt8("grinding bits"))
        let folding = Int(try readUInt8("FRI folding factor"))
        let remainder = Int(try readUInt16("FRI remainder degree"))
        do {
            return try ProofOptions(
                fieldExtension: fieldExtension, blowupFactor: blowup, queryCount: queries, grindingBits: grinding,
                friFoldingFactor: folding, friRemainderMaxDegree: remainder)
        } catch {
            throw .malformedProof("options: \(error)")
        }
    }

    mutating func readOpening(_ field: String) throws(StarkError) -> MerkleOpening {
        MerkleOpening(
            values: try readElements("\(field) values"), salts: try readHashes("\(field) salts"),
            siblings: try readHashes("\(field) siblings"))
    }
}
