import Primitives

/// The slice of the Solidity ABI the token surface needs: selectors, event topics, 32-byte
/// words, dynamic strings and the `Error(string)` revert payload.
///
/// Every argument of every supported function is one static 32-byte word, so calldata is
/// always `selector ‖ word × n` and its length alone says whether it is well-formed.
public enum ABI {
    /// Function selectors: the first four bytes of keccak256 of the canonical signature.
    ///
    /// The ERC-20 ones are written out (they are the facts clients rely on); the ERC-3643
    /// ones are computed from their signatures, and the tests pin both.
    public enum Selector {
        public static let transfer: UInt32 = 0xa905_9cbb
        public static let transferFrom: UInt32 = 0x23b8_72dd
        public static let approve: UInt32 = 0x095e_a7b3
        public static let balanceOf: UInt32 = 0x70a0_8231
        public static let totalSupply: UInt32 = 0x1816_0ddd
        public static let decimals: UInt32 = 0x313c_e567
        public static let symbol: UInt32 = 0x95d8_9b41
        public static let name: UInt32 = 0x06fd_de03
        public static let allowance: UInt32 = 0xdd62_ed3e
        public static let mint: UInt32 = 0x40c1_0f19
        public static let burn: UInt32 = 0x4296_6c68
        public static let burnFrom: UInt32 = 0x79cc_6790
        /// `Error(string)`: the prefix of a revert reason.
        public static let errorString: UInt32 = 0x08c3_79a0

        public static let setAddressFrozen = ABI.selector("setAddressFrozen(address,bool)")
        public static let freezePartialTokens = ABI.selector("freezePartialTokens(address,uint256)")
        public static let unfreezePartialTokens = ABI.selector("unfreezePartialTokens(address,uint256)")
        public static let forcedTransfer = ABI.selector("forcedTransfer(address,address,uint256)")
        public static let pause = ABI.selector("pause()")
        public static let unpause = ABI.selector("unpause()")
        public static let isFrozen = ABI.selector("isFrozen(address)")
        public static let getFrozenTokens = ABI.selector("getFrozenTokens(address)")
        public static let paused = ABI.selector("paused()")
    }

    /// Event topics: keccak256 of the canonical event signature.
    public enum Topic {
        /// `Transfer(address indexed from, address indexed to, uint256 value)`.
        public static let transfer = Hash32(
            hexLiteral: "0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef")
        /// `Approval(address indexed owner, address indexed spender, uint256 value)`.
        public static let approval = Hash32(
            hexLiteral: "0x8c5be1e5ebec7d5bd14f71427d1e84f3dd0314c0f7b2291e5b200ac8c7c3b925")
        /// ERC-3643 `AddressFrozen(address indexed userAddress, bool indexed isFrozen, address indexed owner)`.
        public static let addressFrozen = ABI.topic("AddressFrozen(address,bool,address)")
        /// ERC-3643 `TokensFrozen(address indexed userAddress, uint256 amount)`.
        public static let tokensFrozen = ABI.topic("TokensFrozen(address,uint256)")
        /// ERC-3643 `TokensUnfrozen(address indexed userAddress, uint256 amount)`.
        public static let tokensUnfrozen = ABI.topic("TokensUnfrozen(address,uint256)")
        /// ERC-3643 `Paused(address userAddress)` (the agent, not indexed).
        public static let paused = ABI.topic("Paused(address)")
        /// ERC-3643 `Unpaused(address userAddress)` (the agent, not indexed).
        public static let unpaused = ABI.topic("Unpaused(address)")
    }

    /// One function a token answers, as the decoder and `eth_call` see it.
    public struct Function: Sendable, Equatable {
        public let name: String
        /// The canonical signature the selector is hashed from.
        public let signature: String
        public let selector: UInt32
        /// Number of 32-byte argument words.
        public let argumentCount: Int
        /// Views are answered by `TokenView` (eth_call); the others are transactions.
        public let isView: Bool

        /// Exact calldata length: selector and argument words.
        public var calldataLength: Int { 4 + 32 * argumentCount }

        /// Name and argument count read off the signature (every argument is one static word).
        init(_ signature: String, _ selector: UInt32, isView: Bool) {
            let name = signature.prefix { $0 != "(" }
            self.name = String(name)
            self.signature = signature
            self.selector = selector
            self.argumentCount = signature.hasSuffix("()") ? 0 : signature.filter { $0 == "," }.count + 1
            self.isView = isView
        }
    }

    /// Every function a token implements: transactions first, then views.
    public static let functions: [Function] = [
        Function("transfer(address,uint256)", Selector.transfer, isView: false),
        Function("transferFrom(address,address,uint256)", Selector.transferFrom, isView: false),
        Function("approve(address,uint256)", Selector.approve, isView: false),
        Function("mint(address,uint256)", Selector.mint, isView: false),
        Function("burn(uint256)", Selector.burn, isView: false),
        Function("burnFrom(address,uint256)", Selector.burnFrom, isView: false),
        Function("setAddressFrozen(address,bool)", Selector.setAddressFrozen, isView: false),
        Function("freezePartialTokens(address,uint256)", Selector.freezePartialTokens, isView: false),
        Function("unfreezePartialTokens(address,uint256)", Selector.unfreezePartialTokens, isView: false),
        Function("forcedTransfer(address,address,uint256)", Selector.forcedTransfer, isView: false),
        Function("pause()", Selector.pause, isView: false),
        Function("unpause()", Selector.unpause, isView: false),
        Function("balanceOf(address)", Selector.balanceOf, isView: true),
        Function("totalSupply()", Selector.totalSupply, isView: true),
        Function("decimals()", Selector.decimals, isView: true),
        Function("symbol()", Selector.symbol, isView: true),
        Function("name()", Selector.name, isView: true),
        Function("allowance(address,address)", Selector.allowance, isView: true),
        Function("isFrozen(address)", Selector.isFrozen, isView: true),
        Function("getFrozenTokens(address)", Selector.getFrozenTokens, isView: true),
        Function("paused()", Selector.paused, isView: true),
    ]

    /// The function behind a selector, if a token implements it.
    public static func function(_ selector: UInt32) -> Function? {
        functions.first { $0.selector == selector }
    }

    static let transactionFunctionNames = functions.filter { !$0.isView }.map(\.name)
    static let viewFunctionNames = functions.filter(\.isView).map(\.name)

    // MARK: - Hashing signatures

    /// The selector of a canonical signature such as `"transfer(address,uint256)"`.
    public static func selector(_ signature: String) -> UInt32 {
        let digest = Keccak256.hash(Array(signature.utf8))
        return digest.withUnsafeBytes { bytes in
            UInt32(bytes[0]) << 24 | UInt32(bytes[1]) << 16 | UInt32(bytes[2]) << 8 | UInt32(bytes[3])
        }
    }

    /// The topic of a canonical event signature such as `"Transfer(address,address,uint256)"`.
    public static func topic(_ signature: String) -> Hash32 { Keccak256.hash(Array(signature.utf8)) }

    /// The selector calldata starts with, if it has four bytes.
    public static func selector(of calldata: [UInt8]) -> UInt32? {
        guard calldata.count >= 4 else { return nil }
        return UInt32(calldata[0]) << 24 | UInt32(calldata[1]) << 16 | UInt32(calldata[2]) << 8 | UInt32(calldata[3])
    }

    /// `0x` and eight lower-case hex digits.
    public static func selectorHex(_ selector: UInt32) -> String {
        let digits = String(selector, radix: 16)
        return "0x" + String(repeating: "0", count: 8 - digits.count) + digits
    }

    // MARK: - Words

    /// A uint256 as a big-endian word.
    public static func word(_ value: UInt256) -> Hash32 {
        var word = Hash32.zero
        word.withUnsafeMutableBytes { out in
            for index in 0..<32 { out[31 - index] = value.byte(index) }
        }
        return word
    }

    /// An address right-aligned in a word (12 zero bytes first).
    public static func word(_ address: Address) -> Hash32 {
        var word = Hash32.zero
        word.withUnsafeMutableBytes { out in
            address.withUnsafeBytes { bytes in
                for index in 0..<20 { out[12 + index] = bytes[index] }
            }
        }
        return word
    }

    /// A bool as the word 0 or 1.
    public static func word(_ flag: Bool) -> Hash32 { word(flag ? UInt256.one : .zero) }

    /// Words concatenated: a static ABI encoding.
    public static func encode(_ words: [Hash32]) -> [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(32 * words.count)
        for word in words { word.withUnsafeBytes { out.append(contentsOf: $0) } }
        return out
    }

    /// Calldata: the selector's four bytes, then the argument words.
    public static func encodeCall(_ selector: UInt32, _ arguments: [Hash32] = []) -> [UInt8] {
        var out: [UInt8] = [
            UInt8(truncatingIfNeeded: selector >> 24), UInt8(truncatingIfNeeded: selector >> 16),
            UInt8(truncatingIfNeeded: selector >> 8), UInt8(truncatingIfNeeded: selector),
        ]
        out.reserveCapacity(4 + 32 * arguments.count)
        for word in arguments { word.withUnsafeBytes { out.append(contentsOf: $0) } }
        return out
    }

    /// A lone dynamic `string` return value: offset word (0x20), length word, UTF-8 bytes zero-padded to 32.
    public static func encodeString(_ text: String) -> [UInt8] {
        let bytes = Array(text.utf8)
        var out = encode([word(UInt256(32)), word(UInt256(UInt64(bytes.count)))])
        out += bytes
        out += [UInt8](repeating: 0, count: (32 - bytes.count % 32) % 32)
        return out
    }

    /// Decodes what `encodeString` produces, strictly (offset 0x20, exact length, zero padding, valid UTF-8).
    public static func decodeString(_ data: ArraySlice<UInt8>) -> String? {
        guard data.count >= 64, data.count % 32 == 0 else { return nil }
        let start = data.startIndex
        guard let offset = try? UInt256(bigEndian: data[start..<start + 32]), offset == UInt256(32),
            let length = try? UInt256(bigEndian: data[start + 32..<start + 64]), let count = length.uint64,
            count <= UInt64(data.count - 64), data.count - 64 == (Int(count) + 31) / 32 * 32
        else { return nil }
        let text = data[start + 64..<start + 64 + Int(count)]
        guard data[(start + 64 + Int(count))...].allSatisfy({ $0 == 0 }) else { return nil }
        return String(validating: text, as: UTF8.self)
    }

    /// The `Error(string)` payload of a revert: what `eth_call` returns as `data` and web3.py shows as the reason.
    public static func encodeRevert(_ reason: String) -> [UInt8] {
        encodeCall(Selector.errorString) + encodeString(reason)
    }

    /// The reason inside an `Error(string)` payload, or nil if the bytes are not one.
    public static func decodeRevert(_ data: [UInt8]) -> String? {
        guard selector(of: data) == Selector.errorString else { return nil }
        return decodeString(data[4...])
    }

    // MARK: - Reading argument words (strict: canonical ABI only)

    /// Argument word `index` of calldata whose length was already checked.
    static func argument(_ calldata: [UInt8], _ index: Int) -> ArraySlice<UInt8> {
        let start = 4 + 32 * index
        return calldata[start..<start + 32]
    }

    static func address(
        _ calldata: [UInt8], _ index: Int, function: String, argument name: String
    ) throws(LedgerError) -> Address {
        let word = argument(calldata, index)
        guard word.prefix(12).allSatisfy({ $0 == 0 }) else {
            throw .nonCanonicalArgument(
                function: function, argument: name, reason: "an address word must start with 12 zero bytes")
        }
        return Address(exactly: word.suffix(20))
    }

    static func uint256(_ calldata: [UInt8], _ index: Int) -> UInt256 {
        UInt256(bigEndianWord: argument(calldata, index))
    }

    static func bool(
        _ calldata: [UInt8], _ index: Int, function: String, argument name: String
    ) throws(LedgerError) -> Bool {
        let word = argument(calldata, index)
        guard word.prefix(31).allSatisfy({ $0 == 0 }), word.last! <= 1 else {
            throw .nonCanonicalArgument(function: function, argument: name, reason: "a bool word must be 0 or 1")
        }
        return word.last! == 1
    }
}
