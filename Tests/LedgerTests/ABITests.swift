import Ledger
import Primitives
import Testing

@Suite struct ABITests {
    /// The ERC-20 selectors clients rely on are the keccak of their signatures.
    @Test func erc20SelectorsMatchTheirSignatures() {
        let pinned: [(String, UInt32, UInt32)] = [
            ("transfer(address,uint256)", ABI.Selector.transfer, 0xa905_9cbb),
            ("transferFrom(address,address,uint256)", ABI.Selector.transferFrom, 0x23b8_72dd),
            ("approve(address,uint256)", ABI.Selector.approve, 0x095e_a7b3),
            ("balanceOf(address)", ABI.Selector.balanceOf, 0x70a0_8231),
            ("totalSupply()", ABI.Selector.totalSupply, 0x1816_0ddd),
            ("decimals()", ABI.Selector.decimals, 0x313c_e567),
            ("symbol()", ABI.Selector.symbol, 0x95d8_9b41),
            ("name()", ABI.Selector.name, 0x06fd_de03),
            ("allowance(address,address)", ABI.Selector.allowance, 0xdd62_ed3e),
            ("mint(address,uint256)", ABI.Selector.mint, 0x40c1_0f19),
            ("burn(uint256)", ABI.Selector.burn, 0x4296_6c68),
            ("burnFrom(address,uint256)", ABI.Selector.burnFrom, 0x79cc_6790),
            ("Error(string)", ABI.Selector.errorString, 0x08c3_79a0),
        ]
        for (signature, constant, expected) in pinned {
            #expect(constant == expected, "\(signature)")
            #expect(ABI.selector(signature) == expected, "\(signature)")
        }
    }

    /// ERC-3643 selectors computed with our Keccak, pinned against published T-REX bindings.
    @Test func erc3643SelectorsArePinned() {
        #expect(ABI.Selector.setAddressFrozen == 0xc69c_09cf)
        #expect(ABI.Selector.forcedTransfer == 0x9fc1_d0e7)
        #expect(ABI.Selector.pause == 0x8456_cb59)
        #expect(ABI.Selector.unpause == 0x3f4b_a83a)
        #expect(ABI.Selector.freezePartialTokens == 0x125c_4a33)
        #expect(ABI.Selector.unfreezePartialTokens == 0x1fe5_6f7d)
        #expect(ABI.Selector.isFrozen == 0xe583_9836)
        #expect(ABI.Selector.getFrozenTokens == 0x158b_1a57)
        #expect(ABI.Selector.paused == 0x5c97_5abb)
    }

    @Test func eventTopicsArePinned() {
        #expect(ABI.topic("Transfer(address,address,uint256)") == ABI.Topic.transfer)
        #expect(ABI.topic("Approval(address,address,uint256)") == ABI.Topic.approval)
        #expect(ABI.Topic.transfer == transferTopic)
        #expect(ABI.Topic.approval == approvalTopic)
        #expect(ABI.Topic.addressFrozen.hex == "0x7fa523c84ab8d7fc5b72f08b9e46dbbf10c39e119a075b3e317002d14bc9f436")
        #expect(ABI.Topic.tokensFrozen.hex == "0xa065e63c631c86f1b9f66a4a2f63f2093bf1c2168d23290259dbd969e0222a45")
        #expect(ABI.Topic.tokensUnfrozen.hex == "0x9bed35cb62ad0dba04f9d5bfee4b5bc91443e77da8a65c4c84834c51bb08b0d6")
        #expect(ABI.Topic.paused.hex == "0x62e78cea01bee320cd4e420270b5ea74000d11b0c9f74754ebdbfc544b05a258")
        #expect(ABI.Topic.unpaused.hex == "0x5db9ee0a495bf2e6ff9c91a7834c1ba4fdd244a5e8aa4e537bd38aeae4b073aa")
    }

    @Test func everyFunctionHasItsOwnSelectorMatchingItsSignature() {
        #expect(Set(ABI.functions.map(\.selector)).count == ABI.functions.count)
        for function in ABI.functions {
            #expect(ABI.selector(function.signature) == function.selector, "\(function.signature)")
            #expect(function.signature.hasPrefix(function.name + "("))
        }
        #expect(ABI.functions.filter { !$0.isView }.count == 12)
        #expect(ABI.function(ABI.Selector.transferFrom)?.calldataLength == 100)
        #expect(ABI.function(ABI.Selector.burn)?.calldataLength == 36)
        #expect(ABI.function(ABI.Selector.pause)?.calldataLength == 4)
        #expect(ABI.function(ABI.Selector.allowance)?.argumentCount == 2)
        #expect(ABI.function(ABI.Selector.allowance)?.isView == true)
        #expect(ABI.function(0xdead_beef) == nil)
    }

    /// What web3.py decodes into `ContractLogicError("execution reverted: …")`.
    @Test func revertReasonEncodesAsErrorString() {
        let encoded = ABI.encodeRevert("EURD: token is paused")
        let reason = Array("EURD: token is paused".utf8)
        let expected: [UInt8] =
            [0x08, 0xc3, 0x79, 0xa0] + uintWord(32) + uintWord(UInt64(reason.count)) + reason
            + [UInt8](repeating: 0, count: 32 - reason.count)
        #expect(encoded == expected)
        #expect(ABI.decodeRevert(encoded) == "EURD: token is paused")
    }

    @Test func decodeRevertRefusesMalformedPayloads() {
        let good = ABI.encodeRevert("no")
        #expect(ABI.decodeRevert(Array(good.dropLast())) == nil)
        #expect(ABI.decodeRevert(good + [UInt8](repeating: 0, count: 32)) == nil)
        var dirtyPadding = good
        dirtyPadding[dirtyPadding.count - 1] = 1
        #expect(ABI.decodeRevert(dirtyPadding) == nil)
        var wrongOffset = good
        wrongOffset[4 + 31] = 0x40
        #expect(ABI.decodeRevert(wrongOffset) == nil)
        #expect(ABI.decodeRevert([0x08, 0xc3, 0x79]) == nil)
        #expect(ABI.decodeRevert([0, 0, 0, 0] + Array(good.dropFirst(4))) == nil)
    }

    @Test func stringsPadToWholeWords() {
        #expect(ABI.encodeString("") == uintWord(32) + uintWord(0))
        let exact = String(repeating: "x", count: 32)
        #expect(ABI.encodeString(exact) == uintWord(32) + uintWord(32) + Array(exact.utf8))
        let longer = String(repeating: "y", count: 33)
        #expect(ABI.encodeString(longer).count == 64 + 64)
        #expect(ABI.decodeString(ABI.encodeString(longer)[...]) == longer)
        #expect(ABI.decodeString(ABI.encodeString("€uro")[...]) == "€uro")
    }

    @Test func wordsAreBigEndianAndRightAligned() {
        #expect(ABI.word(UInt256(0x0102)).bytes == [UInt8](repeating: 0, count: 30) + [0x01, 0x02])
        #expect(ABI.word(UInt256.max).bytes == [UInt8](repeating: 0xff, count: 32))
        #expect(ABI.word(Fixture.alice) == topic(Fixture.alice))
        #expect(ABI.word(true).bytes == uintWord(1))
        #expect(ABI.word(false) == Hash32.zero)
        #expect(ABI.encodeCall(0xa905_9cbb, [ABI.word(UInt256(7))]) == [0xa9, 0x05, 0x9c, 0xbb] + uintWord(7))
        #expect(ABI.selectorHex(0x095e_a7b3) == "0x095ea7b3")
    }
}
