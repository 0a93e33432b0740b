import ConfigFiles
import Ledger
import Primitives

/// Checks a draft as a whole (references, duplicates, contradictions, amounts against each
/// asset's decimals) and builds the lookup tables. Nothing is built unless nothing is wrong.
struct PolicyCompiler {
    let problems: ProblemList
    let assets: [AssetInfo]
    let symbolIndex: [String: Int]

    /// The symbol that names the native currency in policy files.
    static let nativeSymbol = "native"
    static let nativeDecimals = 18

    init(tokens: [TokenDefinition], problems: ProblemList, directory: String) {
        self.problems = problems
        var assets = [AssetInfo(address: .zero, symbol: Self.nativeSymbol, decimals: Self.nativeDecimals)]
        for token in tokens.sorted(by: { $0.address < $1.address }) {
            if token.symbol.lowercased() == Self.nativeSymbol || token.symbol == "*" || token.address == .zero {
                problems.add(
                    ConfigError(
                        file: directory, key: nil,
                        problem: "token \(token.symbol) at \(token.address) cannot be named in a policy: "
                            + "'native', '*' and the zero address stand for the native currency and for every asset"))
                continue
            }
            assets.append(AssetInfo(address: token.address, symbol: token.symbol, decimals: Int(token.decimals)))
        }
        self.assets = assets
        self.symbolIndex = Dictionary(
            assets.enumerated().map { ($1.symbol, $0) }, uniquingKeysWith: { first, _ in first })
    }

    // MARK: - Whole policy

    func compile(_ draft: PolicyDraft, files: [String]) -> CompiledPolicy? {
        let organisations = checkOrganisations(draft.organisations)
        let roles = compileRoles(draft.roles)
        let sanctionedOrganisations = Set(draft.sanctions?.organisations ?? [])
        let sanctioned = Set(draft.sanctions?.addresses ?? [])
        let members = compileMembers(
            draft.members, organisations: organisations, roles: roles, sanctionedOrganisations: sanctionedOrganisations,
            sanctionedAddresses: sanctioned,
            brokenRoles: draft.brokenRoleNames, brokenOrganisations: draft.brokenOrganisationIDs)
        let rules = compileRules(draft.rules)
        guard problems.isEmpty else { return nil }

        let description = PolicyDescription(
            assets: assets, organisations: draft.organisations.sorted { $0.id < $1.id },
            roles: roles.sortedInfo(assets),
            rules: draft.rules.sorted { $0.id < $1.id }, sanctionedAddresses: sanctioned.sorted(),
            sanctionedOrganisations: sanctionedOrganisations.sorted(), sanctionsFile: draft.sanctions?.file)
        let tables = PolicyTables(
            assets: assets, members: members.map(\.member), facts: members.map(\.facts),
            grants: members.flatMap(\.grants), sanctionedAddresses: sanctioned, rules: rules, description: description)
        let hash = PolicyHash.compute(draft: draft, tables: tables, roles: roles, symbolIndex: symbolIndex)
        return CompiledPolicy(hash: hash, files: files, tables: tables)
    }

    // MARK: - Assets

    /// Resolves a symbol (or `native`), explaining near misses.
    func asset(_ symbol: String, at location: EntryLocation, key: String) -> Int? {
        if let index = symbolIndex[symbol] { return index }
        let near = assets.first { $0.symbol.lowercased() == symbol.lowercased() }
        let hint = near.map { " (did you mean '\($0.symbol)'?)" } ?? ""
        let known = assets.map(\.symbol).joined(separator: ", ")
        problems.add(location.error(key, "'\(symbol)' is not a configured asset\(hint); assets: \(known)"))
        return nil
    }

    // MARK: - Organisations

    func checkOrganisations(_ specs: [OrganisationSpec]) -> [String: OrganisationSpec] {
        var byID: [String: OrganisationSpec] = [:]
        for spec in specs {
            if let first = byID[spec.id] {
                problems.add(
                    spec.at.error("id", "organisation '\(spec.id)' is already defined at \(describe(first.at))"))
                continue
            }
            byID[spec.id] = spec
        }
        return byID
    }

    // MARK: - Roles

    struct CompiledRole {
        var spec: RoleSpec
        var system: UInt8
        /// Per asset index: `AssetOperation` bits.
        var grants: [UInt8]
    }

    func compileRoles(_ specs: [RoleSpec]) -> RoleTable {
        var roles: [String: CompiledRole] = [:]
        for spec in specs {
            if let first = roles[spec.name] {
                problems.add(spec.at.error(nil, "role '\(spec.name)' is already defined at \(describe(first.spec.at))"))
                continue
            }
            var grants = [UInt8](repeating: 0, count: assets.count)
            for grant in spec.grants {
                let bits = grant.operations.reduce(UInt8(0)) { $0 | $1.bit }
                if grant.asset == "*" {
                    for index in grants.indices { grants[index] |= bits }
                } else if let index = asset(grant.asset, at: grant.at, key: "asset") {
                    grants[index] |= bits
                }
            }
            let system = spec.system.reduce(UInt8(0)) { $0 | $1.bit }
            roles[spec.name] = CompiledRole(spec: spec, system: system, grants: grants)
        }
        return RoleTable(roles: roles)
    }

    // MARK: - Members

    struct CompiledMember {
        var member: PolicyMember
        var facts: MemberFacts
        var grants: [UInt8]
    }

    func compileMembers(
        _ specs: [MemberSpec], organisations: [String: OrganisationSpec], roles: RoleTable,
        sanctionedOrganisations: Set<String>, sanctionedAddresses: Set<Address>, brokenRoles: Set<String>,
        brokenOrganisations: Set<String>
    ) -> [CompiledMember] {
        var names: [String: EntryLocation] = [:]
        var addresses: [Address: (name: String, at: EntryLocation)] = [:]
        var subjects: [String: String] = [:]
        var apiKeys: [Hash32: String] = [:]
        let tokenAddresses = Set(assets.dropFirst().map(\.address))
        var compiled: [CompiledMember] = []

        for spec in specs {
            var ok = spec.isComplete
            if spec.name.isEmpty {
                // Its problem is recorded already.
            } else if let first = names[spec.name.lowercased()] {
                problems.add(spec.at.error("name", "member '\(spec.name)' is already defined at \(describe(first))"))
                ok = false
            } else {
                names[spec.name.lowercased()] = spec.at
            }
            for (position, address) in spec.addresses.enumerated() {
                let key = spec.addressKeys[position]
                if address == .zero {
                    problems.add(spec.at.error(key, "the zero address cannot be a member"))
                    ok = false
                } else if tokenAddresses.contains(address) {
                    problems.add(spec.at.error(key, "\(address) is a token's address, not a member's"))
                    ok = false
                } else if let owner = addresses[address] {
                    let whose = owner.name == spec.name ? "this member" : "member '\(owner.name)'"
                    problems.add(spec.at.error(key, "\(address) already belongs to \(whose) (\(describe(owner.at)))"))
                    ok = false
                } else {
                    addresses[address] = (spec.name, spec.at)
                }
            }
            let organisation = organisations[spec.organisation]
            if organisation == nil, spec.organisation.isEmpty || brokenOrganisations.contains(spec.organisation) {
                ok = false
            } else if organisation == nil {
                let known = organisations.keys.sorted().joined(separator: ", ")
                problems.add(
                    spec.at.error(
                        "organisation",
                        "'\(spec.organisation)' is not a defined organisation ([[organisation]] id); defined: "
                            + (known.isEmpty ? "none" : known)))
                ok = false
            }
            var grants = [UInt8](repeating: 0, count: assets.count)
            var system: UInt8 = 0
            for (index, name) in spec.roles.enumerated() {
                guard let role = roles.roles[name] else {
                    ok = false
                    if brokenRoles.contains(name) { continue }
                    let known = roles.roles.keys.sorted().joined(separator: ", ")
                    problems.add(
                        spec.at.error(
                            "roles[\(index)]",
                            "role '\(name)' is not defined; defined roles: " + (known.isEmpty ? "none" : known)))
                    continue
                }
                system |= role.system
                for asset in grants.indices { grants[asset] |= role.grants[asset] }
            }
            if let subject = spec.oidcSubject {
                if let other = subjects[subject] {
                    problems.add(
                        spec.at.error("oidc_subject", "'\(subject)' is already member '\(other)''s OIDC subject"))
                    ok = false
                }
                subjects[subject] = spec.name
            }
            if let key = spec.apiKeyHash {
                if let other = apiKeys[key] {
                    problems.add(spec.at.error("api_key_sha256", "is already member '\(other)''s API key hash"))
                    ok = false
                }
                apiKeys[key] = spec.name
            }
            guard ok, let organisation else { continue }
            let active = spec.status == .active && organisation.status == .active
            let member = PolicyMember(
                name: spec.name, addresses: spec.addresses, organisation: spec.organisation, roles: spec.roles.sorted(),
                kycTier: spec.kycTier, jurisdiction: spec.jurisdiction, status: active ? .active : .suspended,
                oidcSubject: spec.oidcSubject, apiKeyHash: spec.apiKeyHash,
                travelRuleDataOnFile: spec.travelRuleDataOnFile,
                lockedUntil: spec.lockedUntil)
            let facts = MemberFacts(
                kycTier: UInt8(spec.kycTier), jurisdiction: spec.jurisdictionIndex, isActive: active,
                travelRuleDataOnFile: spec.travelRuleDataOnFile,
                sanctioned: sanctionedOrganisations.contains(spec.organisation)
                    || spec.addresses.contains(where: sanctionedAddresses.contains),
                lockedUntil: spec.lockedUntil ?? 0, system: system)
            compiled.append(CompiledMember(member: member, facts: facts, grants: grants))
        }
        return compiled.sorted { $0.member.name < $1.member.name }
    }

    // MARK: - Compliance rules

    /// Per asset index, the rules that apply to it (its own and the global ones), in evaluation order.
    func compileRules(_ specs: [RuleSpec]) -> [[CompiledRule]] {
        var perAsset = [[(spec: RuleSpec, rule: CompiledRule)]](repeating: [], count: assets.count)
        var ids: [String: EntryLocation] = [:]
        for spec in specs {
            if PolicyDecision.RuleID.builtIn.contains(spec.id) {
                problems.add(
                    spec.at.error(
                        "id",
                        "'\(spec.id)' is the id of a built-in check; choose another (built-in: "
                            + PolicyDecision.RuleID.builtIn.sorted().joined(separator: ", ") + ")"))
                continue
            }
            if let first = ids[spec.id] {
                problems.add(spec.at.error("id", "rule '\(spec.id)' is already defined at \(describe(first))"))
                continue
            }
            ids[spec.id] = spec.at
            let targets: [Int]
            if let symbol = spec.asset {
                guard let index = asset(symbol, at: spec.at, key: "asset") else { continue }
                if spec.kind.tokensOnly, index == 0 {
                    problems.add(
                        spec.at.error(
                            "asset",
                            "a \(spec.kind.rawValue) rule needs a token: the ledger keeps no holder count or supply "
                                + "for the native currency"))
                    continue
                }
                targets = [index]
            } else {
                targets = Array(spec.kind.tokensOnly ? 1..<assets.count : 0..<assets.count)
            }
            guard spec.body != nil else { continue }
            for index in targets {
                if let check = check(spec, asset: assets[index]) {
                    perAsset[index].append((spec, CompiledRule(id: spec.id, kind: spec.kind, check: check)))
                }
            }
        }
        for (index, entries) in perAsset.enumerated() { checkAcrossRules(entries.map(\.spec), asset: assets[index]) }
        return perAsset.map { entries in
            entries.map(\.rule).sorted { $0.kind != $1.kind ? $0.kind < $1.kind : $0.id < $1.id }
        }
    }

    /// Converts a rule for one asset; amounts must fit the asset's decimals.
    func check(_ spec: RuleSpec, asset: AssetInfo) -> RuleCheck? {
        func units(_ amount: DecimalAmount, _ location: EntryLocation, _ key: String) -> UInt256? {
            switch amount.baseUnits(decimals: asset.decimals) {
            case .success(let value): return value
            case .failure(let problem):
                var message = problem.message
                if case .tooManyDecimals = problem {
                    message += " but \(asset.symbol) has \(asset.decimals)"
                    if spec.asset == nil { message += " (the rule has no 'asset', so it applies to every asset)" }
                }
                problems.add(location.error(key, "\(amount) \(message)"))
                return nil
            }
        }
        switch spec.body! {
        case .lockup(let until): return .lockup(until: until)
        case .kycMinimum(let send, let receive, let hold):
            return .kycMinimum(send: UInt8(send ?? 0), receive: UInt8(receive ?? 0), hold: UInt8(hold ?? 0))
        case .jurisdiction(let senderAllow, let senderDeny, let recipientAllow, let recipientDeny):
            return .jurisdiction(
                JurisdictionCheck(
                    senderAllow: senderAllow.map(JurisdictionSet.init),
                    senderDeny: senderDeny.map(JurisdictionSet.init),
                    recipientAllow: recipientAllow.map(JurisdictionSet.init),
                    recipientDeny: recipientDeny.map(JurisdictionSet.init)))
        case .transferAmount(let min, let max):
            let low = min.map { units($0, spec.at, "min") } ?? .some(.zero)
            let high = max.map { units($0, spec.at, "max") } ?? .some(.max)
            guard let low, let high else { return nil }
            return .transferAmount(min: low, max: high)
        case .travelRule(let threshold):
            return units(threshold, spec.at, "threshold").map { .travelRule(threshold: $0) }
        case .transferLimit(let windows):
            var compiled: [CompiledWindow] = []
            for window in windows {
                guard let max = units(window.max, window.at, "max") else { return nil }
                compiled.append(CompiledWindow(period: window.period, max: max))
            }
            return .transferLimit(compiled.sorted { $0.period < $1.period })
        case .maxBalance(let max): return units(max, spec.at, "max").map { .maxBalance($0) }
        case .maxHolders(let max): return .maxHolders(UInt64(max))
        case .supplyCap(let max): return units(max, spec.at, "max").map { .supplyCap($0) }
        }
    }

    /// Contradictions between different rules on one asset: a jurisdiction one allows and another
    /// denies on the same side, a minimum transfer above another rule's maximum.
    func checkAcrossRules(_ specs: [RuleSpec], asset: AssetInfo) {
        var reported = Set<String>()
        var allows: [(spec: RuleSpec, side: String, codes: Set<UInt16>)] = []
        var denies: [(spec: RuleSpec, side: String, codes: Set<UInt16>)] = []
        var minimums: [(spec: RuleSpec, amount: DecimalAmount)] = []
        var maximums: [(spec: RuleSpec, amount: DecimalAmount)] = []
        for spec in specs {
            switch spec.body {
            case .jurisdiction(let senderAllow, let senderDeny, let recipientAllow, let recipientDeny):
                if let list = senderAllow { allows.append((spec, "sender", Set(list))) }
                if let list = recipientAllow { allows.append((spec, "recipient", Set(list))) }
                if let list = senderDeny { denies.append((spec, "sender", Set(list))) }
                if let list = recipientDeny { denies.append((spec, "recipient", Set(list))) }
            case .transferAmount(let min, let max):
                if let min { minimums.append((spec, min)) }
                if let max { maximums.append((spec, max)) }
            default: break
            }
        }
        for allow in allows {
            for deny in denies where deny.side == allow.side && deny.spec.id != allow.spec.id {
                let both = allow.codes.intersection(deny.codes).sorted().map(Jurisdiction.code(ofIndex:))
                let tag = "\(allow.spec.id)|\(deny.spec.id)|\(allow.side)"
                guard !both.isEmpty, reported.insert(tag).inserted else { continue }
                problems.add(
                    deny.spec.at.error(
                        "\(deny.side)_deny",
                        "contradicts rule '\(allow.spec.id)' (\(describe(allow.spec.at))), which allows "
                            + "\(both.joined(separator: ", ")) as \(deny.side) for \(asset.symbol)"))
            }
        }
        for low in minimums {
            for high in maximums
            where high.spec.id != low.spec.id && PolicyFileParser.compare(low.amount, high.amount) > 0 {
                guard reported.insert("\(low.spec.id)|\(high.spec.id)|amount").inserted else { continue }
                problems.add(
                    low.spec.at.error(
                        "min",
                        "\(low.amount) is above the max \(high.amount) of rule '\(high.spec.id)' "
                            + "(\(describe(high.spec.at))): no \(asset.symbol) transfer could pass"))
            }
        }
    }

    func describe(_ location: EntryLocation) -> String {
        location.path.isEmpty ? location.file : "\(location.file), \(location.path)"
    }
}

/// Roles by name, as compiled.
struct RoleTable {
    var roles: [String: PolicyCompiler.CompiledRole]

    func sortedInfo(_ assets: [AssetInfo]) -> [RoleDescription] {
        roles.keys.sorted().map { name in
            let role = roles[name]!
            let system = SystemPermission.allCases.filter { role.system & $0.bit != 0 }
            let grants = role.grants.enumerated().compactMap { index, bits -> (String, [AssetOperation])? in
                let operations = AssetOperation.allCases.filter { bits & $0.bit != 0 }
                return operations.isEmpty ? nil : (assets[index].symbol, operations)
            }
            return RoleDescription(name: name, system: system, grants: grants)
        }
    }
}
