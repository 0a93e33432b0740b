import FuzzSupport
import Primitives

/// The RLP reader on any bytes.
///
/// Contract: decoding never traps; strict RLP has one encoding per item, so whatever
/// decodes re-encodes to the very same bytes; when the items read one by one, their number
/// is the cursor's (shallow) item count; an integer read re-encodes to the bytes it was read from.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let input = Fuzz.bytes(data, size)
    if let item = try? RLP.decode(input) {
        let encoded = RLP.encode(item)
        Fuzz.expect(encoded == input, "RLP item re-encodes to \(Hex.encode(encoded)), read from \(Hex.encode(input))")
    }
    readSequence(input)
    readIntegers(input)
    return 0
}

/// The input as a sequence of top-level items, read with the zero-copy cursor.
private func readSequence(_ input: [UInt8]) {
    let reader = RLPReader(input)
    let counted = try? reader.itemCount()
    var walker = reader
    var read = 0
    var allRead = true
    while !walker.isAtEnd {
        guard (try? walker.readItem()) != nil else {
            allRead = false
            break
        }
        read += 1
    }
    // itemCount() checks the top-level headers only, so a nested item may still fail to read
    // (and a failed read leaves the cursor wherever it stopped); but when every item reads,
    // the counts agree, and a count that fails means a read fails.
    if allRead {
        Fuzz.expect(counted == read, "itemCount() says \(String(describing: counted)) items, \(read) were read")
    }
    // Lists read as lists, byte strings as byte strings, whichever way the first item is taken.
    var asList = RLPReader(input)
    var asBytes = RLPReader(input)
    let isList = (try? asList.readList()) != nil
    let isBytes = (try? asBytes.readBytes()) != nil
    Fuzz.expect(!(isList && isBytes), "the first item read both as a list and as a byte string")
}

/// The first item as a 64- and a 256-bit integer.
private func readIntegers(_ input: [UInt8]) {
    var small = RLPReader(input)
    if let value = try? small.readUInt64() {
        var encoded = [UInt8]()
        RLP.encode(value, into: &encoded)
        Fuzz.expect(Array(input[..<small.position]) == encoded, "UInt64 \(value) re-encodes differently")
    }
    var large = RLPReader(input)
    if let value = try? large.readUInt256() {
        var encoded = [UInt8]()
        RLP.encode(value, into: &encoded)
        Fuzz.expect(Array(input[..<large.position]) == encoded, "UInt256 \(value) re-encodes differently")
    }
}
