/// ISO 3166-1 alpha-2 country codes, as compact indices so a decision never touches a string.
///
/// The list is the 249 officially assigned codes; user-assigned codes (`XK`, `ZZ`…) are refused
/// so that a typo cannot silently stand for nobody.
enum Jurisdiction {
    /// Every officially assigned ISO 3166-1 alpha-2 code.
    static let assignedCodes: Set<String> = Set(
        """
        AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY \
        BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK \
        FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR \
        IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK \
        ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM \
        PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF \
        TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW
        """.split(separator: " ").map(String.init))

    /// The number of two-letter combinations: the size of a jurisdiction bit set.
    static let indexCount = 26 * 26

    /// Checks a code and returns its index, or why it is not a code.
    static func index(of code: String) -> Result<UInt16, JurisdictionProblem> {
        if assignedCodes.contains(code) { return .success(rawIndex(code)) }
        if assignedCodes.contains(code.uppercased()) { return .failure(.lowerCase(code.uppercased())) }
        return .failure(.unknown)
    }

    static func rawIndex(_ code: String) -> UInt16 {
        let letters = Array(code.utf8)
        return UInt16(letters[0] - UInt8(ascii: "A")) * 26 + UInt16(letters[1] - UInt8(ascii: "A"))
    }

    static func code(ofIndex index: UInt16) -> String {
        String(decoding: [UInt8(index / 26) + UInt8(ascii: "A"), UInt8(index % 26) + UInt8(ascii: "A")], as: UTF8.self)
    }
}

enum JurisdictionProblem: Error {
    case lowerCase(String)
    case unknown

    func message(_ code: String) -> String {
        switch self {
        case .lowerCase(let upper): return "'\(code)' must be written in upper case: '\(upper)'"
        case .unknown: return "'\(code)' is not an ISO 3166-1 alpha-2 country code (e.g. DE, GB, US)"
        }
    }
}

/// A set of jurisdictions as 676 bits: membership is one shift and one mask.
struct JurisdictionSet: Sendable, Equatable {
    private var words: [UInt64]

    init(_ indices: some Sequence<UInt16>) {
        words = [UInt64](repeating: 0, count: (Jurisdiction.indexCount + 63) / 64)
        for index in indices { words[Int(index) >> 6] |= 1 << UInt64(index & 63) }
    }

    @inline(__always)
    func contains(_ index: UInt16) -> Bool {
        words[Int(index) >> 6] & (1 << UInt64(index & 63)) != 0
    }

    var indices: [UInt16] {
        (0..<UInt16(Jurisdiction.indexCount)).filter { contains($0) }
    }

    var codes: [String] { indices.map(Jurisdiction.code(ofIndex:)) }
}
