import Primitives
import TestSupport
import Testing

@Suite struct KeccakTests {
    @Test func hashesEmptyInput() {
        #expect(Keccak256.hash([UInt8]()).hex == "0xc5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470")
    }

    @Test func hashesABC() {
        #expect(Keccak256.hash(Array("abc".utf8)).hex == "0x4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45")
    }

    /// 200 bytes span the 136-byte rate: one full block, then a padded partial one.
    /// Expected values from pycryptodome's Keccak-256.
    @Test func hashesInputSpanningTheRate() {
        #expect(
            Keccak256.hash((0..<200).map { UInt8($0) }).hex
                == "0xbfb0aa97863e797943cf7c33bb7e880bb4543f3d2703c0923c6901c2af57b890")
        #expect(
            Keccak256.hash([UInt8](repeating: 0xa3, count: 200)).hex
                == "0x3a57666b048777f2c953dc4456f45a2588e1cb6f2da760122d530ac2ce607d4a")
    }

    @Test func streamingEqualsOneShotAtEveryBlockBoundary() {
        let input = (0..<272).map { UInt8(truncatingIfNeeded: $0 &* 7) }
        let expected = Keccak256.hash(input)
        for split in [0, 1, 135, 136, 137, 271, 272] {
            var hasher = Keccak256()
            hasher.update(Array(input[..<split]))
            hasher.update(Array(input[split...]))
            #expect(hasher.finalize() == expected, "split at \(split)")
        }
    }

    /// The signing hash of EIP-155's worked example.
    @Test func reproducesEIP155ExampleSigningHash() {
        let signingData = bytes(
            fromHex: "0xec098504a817c800825208943535353535353535353535353535353535353535880de0b6b3a764000080018080")
        #expect(Keccak256.hash(signingData).hex == "0xdaf5a779ae972f972197303d7b574746c7ef83eadac0f2791ad23db92e4c8e53")
    }

    @Test func computesERC20Selectors() {
        func selector(_ signature: String) -> String { Hex.encode(Keccak256.hash(Array(signature.utf8)).bytes[0..<4]) }
        #expect(selector("transfer(address,uint256)") == "0xa9059cbb")
        #expect(selector("Transfer(address,address,uint256)").hasPrefix("0xddf252ad"))
    }
}
