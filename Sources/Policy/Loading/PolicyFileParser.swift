import ConfigFiles
import Primitives

/// Reads one policy file's tables into specs, recording every problem it finds.
///
/// Each key is read on its own, so one wrong value does not hide the next; unknown keys are
/// all listed (with a suggestion when one is a near miss).
struct PolicyFileParser {
    let problems: ProblemList

    static let topLevelKeys = ["organisation", "member", "role", "rule", "sanctions"]
    static let organisationKeys = ["id", "name", "status"]
    static let memberKeys = [
        "name", "address", "addresses", "organisation", "roles", "kyc_tier", "jurisdiction", "status", "oidc_subject",
        "api_key_sha256", "travel_rule_data_on_file", "locked_until",
    ]
    static let roleKeys = ["description", "system", "grants"]
    static let grantKeys = ["asset", "ops"]
    static let ruleCommonKeys = ["id", "kind", "asset", "description"]
    static let windowKeys = ["period", "max"]
    static let sanctionsReferenceKeys = ["list"]
    static let sanctionsListKeys = ["addresses", "organisations"]

    /// The longest rolling window the state keeps slots for.
    static let longestWindow: UInt64 = 400 * 86_400
    static let maxWindowsPerRule = 8
    static let kycTiers = 0...9

    /// Reads a policy file into `draft`. The `[sanctions]` table was read by the loader already.
    func parse(_ document: ConfigTable, file: String, into draft: inout PolicyDraft) {
        let root = TableReader(document, file: file)
        var allowed = Self.topLevelKeys
        if document["addresses"] != nil || document["organisations"] != nil {
            // A sanctions list read as a policy file: say how to reference it rather than only "unknown key".
            for key in ["addresses", "organisations"] where document[key] != nil {
                problems.add(
                    root.error(
                        key,
                        "belongs in a sanctions list file; reference this file from a policy file with "
                            + "[sanctions] list = \"\(file.split(separator: "/").last ?? "")\""))
            }
            allowed += ["addresses", "organisations"]
        }
        checkKeys(root, allowed: allowed)

        if let tables = problems.attempt({ () throws(ConfigError) in try root.tables("organisation") }) {
            for table in tables {
                if let spec = organisation(table) {
                    draft.organisations.append(spec)
                } else if case .string(let id) = table.table["id"] {
                    draft.brokenOrganisationIDs.insert(id)
                }
            }
        }
        if let tables = problems.attempt({ () throws(ConfigError) in try root.tables("member") }) {
            for table in tables { draft.members.append(member(table)) }
        }
        if let roles = problems.attempt({ () throws(ConfigError) in try root.optionalTable("role") }), let roles {
            for name in roles.freeformKeys() {
                guard let table = problems.attempt({ () throws(ConfigError) in try roles.table(name) }) else {
                    continue
                }
                if let spec = role(name: name, table) {
                    draft.roles.append(spec)
                } else {
                    draft.brokenRoleNames.insert(name)
                }
            }
        }
        if let tables = problems.attempt({ () throws(ConfigError) in try root.tables("rule") }) {
            for table in tables { if let spec = rule(table) { draft.rules.append(spec) } }
        }
    }

    // MARK: - Organisations and members

    func organisation(_ table: TableReader) -> OrganisationSpec? {
        checkKeys(table, allowed: Self.organisationKeys)
        let id = identifier(table, "id")
        let name = nonEmptyString(table, "name")
        let status = self.status(table)
        guard let id, let name, let status else { return nil }
        return OrganisationSpec(id: id, name: name, status: status, at: location(table))
    }

    func member(_ table: TableReader) -> MemberSpec {
        checkKeys(table, allowed: Self.memberKeys)
        let name = nonEmptyString(table, "name")
        var addresses: [Address]? = []
        var addressKeys: [String] = []
        switch (table.contains("address"), table.contains("addresses")) {
        case (true, true):
            problems.add(table.error("addresses", "use either 'address' or 'addresses', not both"))
            addresses = nil
        case (true, false):
            if let address = problems.attempt({ () throws(ConfigError) in try table.address("address") }) {
                addresses = [address]
                addressKeys = ["address"]
            } else {
                addresses = nil
            }
        case (false, true):
            addresses = addressList(table, "addresses")
            addressKeys = (0..<(addresses?.count ?? 0)).map { "addresses[\($0)]" }
            if addresses?.isEmpty == true {
                problems.add(table.error("addresses", "is empty; a member needs at least one address"))
                addresses = nil
            }
        case (false, false):
            problems.add(table.error("address", "is required but missing (or 'addresses' for several)"))
            addresses = nil
        }
        let organisation = nonEmptyString(table, "organisation")
        let roles = uniqueStrings(table, "roles", optional: true)
        let tier = problems.attempt { () throws(ConfigError) in try table.integer("kyc_tier", in: Self.kycTiers) }
        let jurisdiction = self.jurisdiction(table, "jurisdiction")
        let status = self.status(table)
        let subject = problems.attempt { () throws(ConfigError) in try table.optionalString("oidc_subject") }
        if case .some(.some(let text)) = subject, text.isEmpty {
            problems.add(table.error("oidc_subject", "is empty; remove it or give the identity provider's 'sub'"))
        }
        let apiKey = apiKeyHash(table)
        let travel = problems.attempt { () throws(ConfigError) in try table.optionalBoolean("travel_rule_data_on_file")
        }
        let locked = optionalDate(table, "locked_until")
        let complete =
            name != nil && addresses != nil && organisation != nil && roles != nil && tier != nil
            && jurisdiction != nil && status != nil && subject != nil && apiKey != nil && travel != nil && locked != nil
        return MemberSpec(
            name: name ?? "", addresses: addresses ?? [], organisation: organisation ?? "", roles: (roles ?? nil) ?? [],
            kycTier: tier ?? 0, jurisdiction: jurisdiction?.code ?? "", jurisdictionIndex: jurisdiction?.index ?? 0,
            status: status ?? .active, oidcSubject: subject ?? nil, apiKeyHash: apiKey ?? nil,
            travelRuleDataOnFile: (travel ?? nil) ?? false, lockedUntil: locked ?? nil, at: location(table),
            addressKeys: addresses == nil ? [] : addressKeys, isComplete: complete)
    }

    func apiKeyHash(_ table: TableReader) -> Hash32?? {
        guard let text = problems.attempt({ () throws(ConfigError) in try table.optionalString("api_key_sha256") })
        else {
            return nil
        }
        guard let text else { return .some(nil) }
        let prefixed = text.hasPrefix("0x") || text.hasPrefix("0X") ? "0x" + text.dropFirst(2) : "0x" + text
        do { return .some(try Hash32(hex: prefixed.lowercased())) } catch {
            problems.add(
                table.error("api_key_sha256", "must be a SHA-256 digest: 64 hex digits (the key's hash, never the key)")
            )
            return nil
        }
    }

    // MARK: - Roles

    func role(name: String, _ table: TableReader) -> RoleSpec? {
        checkKeys(table, allowed: Self.roleKeys)
        var ok = true
        if !isIdentifier(name) {
            problems.add(table.error(nil, "'\(name)' is not a valid role name (letters, digits, '-' and '_')"))
            ok = false
        }
        _ = problems.attempt { () throws(ConfigError) in try table.optionalString("description") }
        var system: [SystemPermission] = []
        if let names = uniqueStrings(table, "system", optional: true) {
            for (index, text) in (names ?? []).enumerated() {
                if let permission = SystemPermission(rawValue: text) {
                    system.append(permission)
                } else {
                    problems.add(
                        table.error(
                            "system[\(index)]",
                            "'\(text)' is not a system permission (known: "
                                + SystemPermission.allCases.map(\.rawValue).joined(separator: ", ") + ")"))
                    ok = false
                }
            }
        } else {
            ok = false
        }
        var grants: [GrantSpec] = []
        if let tables = problems.attempt({ () throws(ConfigError) in try table.tables("grants") }) {
            for grantTable in tables {
                if let grant = grant(grantTable) { grants.append(grant) } else { ok = false }
            }
        } else {
            ok = false
        }
        if ok, system.isEmpty, grants.isEmpty {
            problems.add(table.error(nil, "grants nothing: give it 'system' permissions or 'grants'"))
            ok = false
        }
        return ok ? RoleSpec(name: name, system: system, grants: grants, at: location(table)) : nil
    }

    func grant(_ table: TableReader) -> GrantSpec? {
        checkKeys(table, allowed: Self.grantKeys)
        let asset = nonEmptyString(table, "asset")
        var operations: [AssetOperation]? = []
        if let names = uniqueStrings(table, "ops", optional: false) {
            if names?.isEmpty == true {
                problems.add(table.error("ops", "is empty; list what the role may do, e.g. [\"transfer\", \"read\"]"))
                operations = nil
            }
            for (index, text) in (names ?? []).enumerated() {
                if let operation = AssetOperation(rawValue: text) {
                    operations?.append(operation)
                } else {
                    problems.add(
                        table.error(
                            "ops[\(index)]",
                            "'\(text)' is not an operation (known: "
                                + AssetOperation.allCases.map(\.rawValue).joined(separator: ", ") + ")"))
                    operations = nil
                }
            }
        } else {
            operations = nil
        }
        guard let asset, let operations else { return nil }
        return GrantSpec(asset: asset, operations: operations, at: location(table))
    }

    // MARK: - Compliance rules

    func rule(_ table: TableReader) -> RuleSpec? {
        let id = identifier(table, "id")
        let kindText = problems.attempt { () throws(ConfigError) in try table.string("kind") }
        var kind: RuleKind?
        if let kindText {
            kind = RuleKind(rawValue: kindText)
            if kind == nil {
                problems.add(
                    table.error(
                        "kind",
                        "'\(kindText)' is not a rule kind (known: "
                            + RuleKind.allCases.map(\.rawValue).joined(separator: ", ") + ")"))
            }
        }
        var asset = problems.attempt { () throws(ConfigError) in try table.optionalString("asset") }
        if case .some(.some("*")) = asset {
            problems.add(
                table.error("asset", "'*' is for grants; leave 'asset' out for a rule that applies to every asset"))
            asset = nil
        }
        _ = problems.attempt { () throws(ConfigError) in try table.optionalString("description") }
        guard let kind else { return nil }
        checkKeys(table, allowed: Self.ruleCommonKeys + kind.keys, context: "a \(kind.rawValue) rule")
        let body = body(kind, table)
        guard let id, let asset else { return nil }
        return RuleSpec(id: id, kind: kind, asset: asset, body: body, at: location(table))
    }

    func body(_ kind: RuleKind, _ table: TableReader) -> RuleBody? {
        switch kind {
        case .lockup:
            return lockupBody(table)

        case .kycMinimum:
            return kycMinimumBody(table)

        case .jurisdiction:
            return jurisdictionBody(table)

        case .transferAmount:
            return transferAmountBody(table)

        case .travelRule:
            guard let threshold = amount(table, "threshold") else { return nil }
            return .travelRule(threshold: threshold)

        case .transferLimit:
            return transferLimitBody(table)

        case .maxBalance:
            guard let max = amount(table, "max") else { return nil }
            return .maxBalance(max)

        case .maxHolders:
            guard let max = problems.attempt({ () throws(ConfigError) in try table.integer("max", in: 1...Int.max) })
            else { return nil }
            return .maxHolders(max)

        case .supplyCap:
            guard let max = amount(table, "max") else { return nil }
            return .supplyCap(max)
        }
    }

    /// `lockup`: `until`, a date.
    func lockupBody(_ table: TableReader) -> RuleBody? {
        guard let found = problems.attempt({ () throws(ConfigError) in try requiredValue(table, "until") }) else {
            return nil
        }
        switch DateText.unixSeconds(found) {
        case .success(let until): return .lockup(until: until)
        case .failure(let problem):
            problems.add(table.error("until", problem.message))
            return nil
        }
    }

    /// `kyc_minimum`: `send`, `receive`, `hold`, each optional but at least one.
    func kycMinimumBody(_ table: TableReader) -> RuleBody? {
        var values: [Int?] = []
        var ok = true
        for key in ["send", "receive", "hold"] {
            if let value = problems.attempt({ () throws(ConfigError) in try table.optionalInteger(key) }) {
                if let value, !(1...Self.kycTiers.upperBound).contains(value) {
                    problems.add(
                        table.error(
                            key,
                            "must be between 1 and \(Self.kycTiers.upperBound), got \(value) (a minimum of 0 checks nothing)"
                        ))
                    ok = false
                }
                values.append(value)
            } else {
                ok = false
                values.append(nil)
            }
        }
        if ok, values.allSatisfy({ $0 == nil }) {
            problems.add(table.error(nil, "sets no minimum: give at least one of 'send', 'receive', 'hold'"))
            return nil
        }
        return ok ? .kycMinimum(send: values[0], receive: values[1], hold: values[2]) : nil
    }

    /// `jurisdiction`: allow and deny lists per side, at least one, neither side contradicting itself.
    func jurisdictionBody(_ table: TableReader) -> RuleBody? {
        var lists: [String: [UInt16]] = [:]
        var ok = true
        for key in ["sender_allow", "sender_deny", "recipient_allow", "recipient_deny"] where table.contains(key) {
            if let list = jurisdictionList(table, key) { lists[key] = list } else { ok = false }
        }
        guard ok else { return nil }
        if lists.isEmpty {
            problems.add(
                table.error(
                    nil,
                    "lists no jurisdiction: give at least one of sender_allow, sender_deny, recipient_allow, recipient_deny"
                ))
            return nil
        }
        for side in ["sender", "recipient"] {
            if let allow = lists["\(side)_allow"], let deny = lists["\(side)_deny"] {
                let both = Set(allow).intersection(deny).sorted().map(Jurisdiction.code(ofIndex:))
                if !both.isEmpty {
                    problems.add(
                        table.error(
                            "\(side)_deny",
                            "contradicts \(side)_allow: \(both.joined(separator: ", ")) is both allowed and denied")
                    )
                    ok = false
                }
            }
        }
        return ok
            ? .jurisdiction(
                senderAllow: lists["sender_allow"], senderDeny: lists["sender_deny"],
                recipientAllow: lists["recipient_allow"], recipientDeny: lists["recipient_deny"]) : nil
    }

    /// `transfer_amount`: `min`, `max` or both.
    func transferAmountBody(_ table: TableReader) -> RuleBody? {
        let min = optionalAmount(table, "min")
        let max = optionalAmount(table, "max")
        guard let min, let max else { return nil }
        if min == nil, max == nil {
            problems.add(table.error(nil, "sets no bound: give 'min', 'max' or both"))
            return nil
        }
        if let max, max.isZero {
            problems.add(table.error("max", "is zero, which refuses every transfer; remove the grant instead"))
            return nil
        }
        if let min, let max, Self.compare(min, max) > 0 {
            problems.add(table.error("min", "\(min) is above max \(max): no transfer could pass"))
            return nil
        }
        return .transferAmount(min: min, max: max)
    }

    /// `transfer_limit`: `windows`, each a `period` and a `max`, no period twice.
    func transferLimitBody(_ table: TableReader) -> RuleBody? {
        guard table.contains("windows") else {
            problems.add(
                table.error("windows", "is required but missing, e.g. [{ period = \"24h\", max = \"1000000\" }]"))
            return nil
        }
        guard let tables = problems.attempt({ () throws(ConfigError) in try table.tables("windows") }) else {
            return nil
        }
        guard (1...Self.maxWindowsPerRule).contains(tables.count) else {
            problems.add(
                table.error("windows", "must list 1 to \(Self.maxWindowsPerRule) windows, got \(tables.count)"))
            return nil
        }
        var windows: [TransferWindowSpec] = []
        var periods: [UInt64: Int] = [:]
        for (index, windowTable) in tables.enumerated() {
            checkKeys(windowTable, allowed: Self.windowKeys)
            let period = self.period(windowTable)
            let max = amount(windowTable, "max")
            if let max, max.isZero {
                problems.add(
                    windowTable.error("max", "is zero, which refuses every transfer; remove the grant instead"))
            }
            guard let period, let max else { continue }
            if let earlier = periods[period] {
                problems.add(
                    windowTable.error(
                        "period", "\(PeriodText.describe(period)) is already windows[\(earlier)]'s period"))
            }
            periods[period] = index
            windows.append(TransferWindowSpec(period: period, max: max, at: location(windowTable)))
        }
        // The valid windows go on even when another is wrong, so their amounts are checked
        // against the asset too; a policy with any problem is never compiled.
        return windows.isEmpty ? nil : .transferLimit(windows: windows)
    }

    // MARK: - Sanctions

    /// Reads a sanctions list file: `addresses` and `organisations`, both optional.
    func sanctionsList(_ document: ConfigTable, file: String) -> SanctionsListSpec? {
        let root = TableReader(document, file: file)
        checkKeys(root, allowed: Self.sanctionsListKeys, context: "a sanctions list")
        var ok = true
        var addresses: [Address] = []
        if root.contains("addresses") {
            if let list = addressList(root, "addresses") {
                var seen: [Address: Int] = [:]
                for (index, address) in list.enumerated() {
                    if let first = seen[address] {
                        problems.add(
                            root.error("addresses[\(index)]", "\(address) is already listed at addresses[\(first)]"))
                        ok = false
                    }
                    seen[address] = index
                }
                addresses = list
            } else {
                ok = false
            }
        }
        var organisations: [String] = []
        if let list = uniqueStrings(root, "organisations", optional: true) {
            organisations = list ?? []
            for (index, id) in organisations.enumerated() where id.isEmpty {
                problems.add(root.error("organisations[\(index)]", "is empty"))
                ok = false
            }
        } else {
            ok = false
        }
        return ok ? SanctionsListSpec(file: file, addresses: addresses, organisations: organisations) : nil
    }

    // MARK: - Typed reads shared by the tables above

    func location(_ table: TableReader) -> EntryLocation { EntryLocation(file: table.file, path: table.path) }

    func requiredValue(_ table: TableReader, _ key: String) throws(ConfigError) -> ConfigValue {
        guard let value = table.table[key] else { throw table.error(key, "is required but missing") }
        return value
    }

    func nonEmptyString(_ table: TableReader, _ key: String) -> String? {
        guard let text = problems.attempt({ () throws(ConfigError) in try table.string(key) }) else { return nil }
        guard !text.allSatisfy(\.isWhitespace) else {
            problems.add(table.error(key, "is empty"))
            return nil
        }
        return text
    }

    func isIdentifier(_ text: String) -> Bool {
        !text.isEmpty
            && text.unicodeScalars.allSatisfy {
                ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0) || $0 == "-"
                    || $0 == "_"
                    || $0 == "."
            }
    }

    /// An id that appears in decisions and logs: letters, digits, `-`, `_`, `.`.
    func identifier(_ table: TableReader, _ key: String) -> String? {
        guard let text = problems.attempt({ () throws(ConfigError) in try table.string(key) }) else { return nil }
        guard isIdentifier(text) else {
            problems.add(table.error(key, "'\(text)' is not a valid id: use letters, digits, '-', '_' and '.'"))
            return nil
        }
        return text
    }

    func status(_ table: TableReader) -> MemberStatus? {
        guard let text = problems.attempt({ () throws(ConfigError) in try table.optionalString("status") }) else {
            return nil
        }
        guard let text else { return .active }
        guard let status = MemberStatus(rawValue: text) else {
            problems.add(table.error("status", "'\(text)' is not a status: 'active' or 'suspended'"))
            return nil
        }
        return status
    }

    /// A string array with no repeats; `optional` makes an absent key read as `.some(nil)`.
    func uniqueStrings(_ table: TableReader, _ key: String, optional: Bool) -> [String]?? {
        guard optional == false || table.contains(key) else {
            _ = problems.attempt { () throws(ConfigError) in try table.optionalStringArray(key) }
            return .some(nil)
        }
        guard let list = problems.attempt({ () throws(ConfigError) in try table.stringArray(key) }) else { return nil }
        var seen: [String: Int] = [:]
        var ok = true
        for (index, item) in list.enumerated() {
            if let first = seen[item] {
                problems.add(table.error("\(key)[\(index)]", "'\(item)' is already listed at \(key)[\(first)]"))
                ok = false
            }
            seen[item] = index
        }
        return ok ? .some(list) : nil
    }

    func addressList(_ table: TableReader, _ key: String) -> [Address]? {
        guard let texts = problems.attempt({ () throws(ConfigError) in try table.stringArray(key) }) else { return nil }
        var addresses: [Address] = []
        var ok = true
        for (index, text) in texts.enumerated() {
            do { addresses.append(try Address(hex: text)) } catch {
                problems.add(table.error("\(key)[\(index)]", "'\(text)' is not a valid address: \(error)"))
                ok = false
            }
        }
        return ok ? addresses : nil
    }

    func jurisdiction(_ table: TableReader, _ key: String) -> (code: String, index: UInt16)? {
        guard let code = problems.attempt({ () throws(ConfigError) in try table.string(key) }) else { return nil }
        switch Jurisdiction.index(of: code) {
        case .success(let index): return (code, index)
        case .failure(let problem):
            problems.add(table.error(key, problem.message(code)))
            return nil
        }
    }

    func jurisdictionList(_ table: TableReader, _ key: String) -> [UInt16]? {
        guard let codes = uniqueStrings(table, key, optional: false), let codes else { return nil }
        guard !codes.isEmpty else {
            problems.add(
                table.error(key, "is empty; leave the key out instead (an empty list would match nobody or everybody)"))
            return nil
        }
        var indices: [UInt16] = []
        var ok = true
        for (index, code) in codes.enumerated() {
            switch Jurisdiction.index(of: code) {
            case .success(let value): indices.append(value)
            case .failure(let problem):
                problems.add(table.error("\(key)[\(index)]", problem.message(code)))
                ok = false
            }
        }
        return ok ? indices : nil
    }

    func amount(_ table: TableReader, _ key: String) -> DecimalAmount? {
        guard let found = problems.attempt({ () throws(ConfigError) in try requiredValue(table, key) }) else {
            return nil
        }
        switch DecimalAmount.parse(found) {
        case .success(let amount): return amount
        case .failure(let problem):
            problems.add(table.error(key, problem.message))
            return nil
        }
    }

    /// `.some(nil)` when absent, nil when invalid.
    func optionalAmount(_ table: TableReader, _ key: String) -> DecimalAmount?? {
        guard table.contains(key) else { return .some(nil) }
        guard let amount = amount(table, key) else { return nil }
        return .some(amount)
    }

    func optionalDate(_ table: TableReader, _ key: String) -> UInt64?? {
        guard let found = table.table[key] else { return .some(nil) }
        switch DateText.unixSeconds(found) {
        case .success(let seconds): return .some(seconds)
        case .failure(let problem):
            problems.add(table.error(key, problem.message))
            return nil
        }
    }

    func period(_ table: TableReader) -> UInt64? {
        guard let text = problems.attempt({ () throws(ConfigError) in try table.string("period") }) else { return nil }
        switch PeriodText.seconds(text) {
        case .success(let seconds) where seconds > Self.longestWindow:
            problems.add(table.error("period", "'\(text)' is longer than the longest window kept, 400d"))
            return nil
        case .success(let seconds): return seconds
        case .failure(let problem):
            problems.add(table.error("period", problem.message))
            return nil
        }
    }

    /// Orders two amounts written in token units (-1, 0, 1).
    static func compare(_ a: DecimalAmount, _ b: DecimalAmount) -> Int {
        let decimals = max(a.fractionDigits.count, b.fractionDigits.count)
        guard case .success(let x) = a.baseUnits(decimals: decimals),
            case .success(let y) = b.baseUnits(decimals: decimals)
        else { return 0 }
        return x < y ? -1 : (x == y ? 0 : 1)
    }

    /// Lists every key nobody reads here, each as its own problem.
    func checkKeys(_ table: TableReader, allowed: [String], context: String? = nil) {
        for key in table.table.keys where !allowed.contains(key) {
            let hint: String
            if let near = allowed.min(by: { editDistance(key, $0) < editDistance(key, $1) }),
                editDistance(key, near) <= 2
            {
                hint = "did you mean '\(near)'?"
            } else {
                hint = "known keys: " + allowed.joined(separator: ", ")
            }
            let place = context.map { " in \($0)" } ?? " here"
            problems.add(table.error(key, "is not a known setting\(place) (\(hint))"))
        }
    }

    func editDistance(_ a: String, _ b: String) -> Int {
        let x = Array(a)
        let y = Array(b)
        guard !x.isEmpty else { return y.count }
        guard !y.isEmpty else { return x.count }
        var previous = Array(0...y.count)
        for i in 1...x.count {
            var current = [i] + Array(repeating: 0, count: y.count)
            for j in 1...y.count {
                current[j] = Swift.min(
                    previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (x[i - 1] == y[j - 1] ? 0 : 1))
            }
            previous = current
        }
        return previous[y.count]
    }
}
