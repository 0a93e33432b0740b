/// The page chrome (head, navigation, sign-out form) and the pages shown before sign-in.
enum ConsoleLayout {
    static let navigation: [(label: String, link: ConsoleLink)] = [
        ("Overview", ConsoleLink(["console", "overview"])),
        ("Transactions", ConsoleLink(["console", "transactions"])),
        ("Decisions", ConsoleLink(["console", "decisions"])),
        ("Policy", ConsoleLink(["console", "policy"])),
        ("Batches", ConsoleLink(["console", "batches"])),
        ("Accounts", ConsoleLink(["console", "accounts"])),
        ("Tokens", ConsoleLink(["console", "tokens"])),
        ("Audit log", ConsoleLink(["console", "audit"])),
    ]

    /// The first stop for the Tab key: straight past the navigation to the page's content.
    static let skipLink = HTML.element("a", [.href(.anchor("main")), .class("skip")], "Skip to content")

    static func head(_ title: String) -> HTML {
        .element(
            "head",
            [
                .void("meta", [Attribute("charset", "utf-8")]),
                .void(
                    "meta",
                    [Attribute("name", "viewport"), Attribute("content", "width=device-width, initial-scale=1")]),
                .element("title", title + " · Cloister audit console"),
                .void(
                    "link", [Attribute("rel", "stylesheet"), .href(ConsoleLink(["console", "static", "console.css"]))]),
                // No icon to fetch: a browser's default /favicon.ico request would be a 404 off the console.
                .void("link", [Attribute("rel", "icon"), Attribute("href", "data:,")]),
            ])
    }

    /// A signed-in page: navigation, who is signed in, the sign-out form, then the view.
    static func page(_ view: ConsoleView, caller: CallerIdentity, formToken: String) -> String {
        let links = navigation.map { item in HTML.element("li", [.element("a", [.href(item.link)], item.label)]) }
        let signOut = HTML.element(
            "form", [Attribute("method", "post"), Attribute("action", ConsoleRoutes.signOutPath), .class("sign-out")],
            [
                .void(
                    "input",
                    [Attribute("type", "hidden"), Attribute("name", "form_token"), Attribute("value", formToken)]),
                .element("span", "Signed in as \(caller.name)"), .text(" "),
                .element("button", [Attribute("type", "submit")], "Sign out"),
            ])
        let header = HTML.element(
            "header",
            [
                .element("p", [.class("brand")], "Cloister audit console"),
                .element("nav", [Attribute("aria-label", "Console")], [.element("ul", links)]), signOut,
            ])
        let main = HTML.element("main", [.id("main")], [.element("h1", view.title)] + view.content)
        return HTML.document(
            .element(
                "html", [Attribute("lang", "en")], [head(view.title), .element("body", [skipLink, header, main])]))
    }

    /// A page for someone not signed in (sign-in, refusal).
    static func bare(_ title: String, _ content: [HTML]) -> String {
        let main = HTML.element(
            "main", [.id("main"), .class("narrow")],
            [.element("p", [.class("brand")], "Cloister audit console"), .element("h1", title)] + content)
        return HTML.document(.element("html", [Attribute("lang", "en")], [head(title), .element("body", [main])]))
    }

    static func signIn(formToken: String, returnPath: String, message: String?) -> String {
        var content: [HTML] = []
        if let message { content.append(.element("p", [.class("error"), Attribute("role", "alert")], message)) }
        content.append(
            .element(
                "p",
                "Sign in with what the admin API accepts: an API key, or a token from 'cloister auth login'. "
                    + "Only members with admin_read or read_all get in."))
        content.append(
            .element(
                "form", [Attribute("method", "post"), Attribute("action", ConsoleRoutes.signInPath)],
                [
                    .void(
                        "input",
                        [Attribute("type", "hidden"), Attribute("name", "form_token"), Attribute("value", formToken)]),
                    .void(
                        "input",
                        [Attribute("type", "hidden"), Attribute("name", "next"), Attribute("value", returnPath)]),
                    .element("label", [Attribute("for", "credential")], "API key or sign-in token"),
                    .void(
                        "input",
                        [
                            Attribute("type", "password"), Attribute("name", "credential"), .id("credential"),
                            Attribute("autocomplete", "off"), Attribute(flag: "required"), Attribute(flag: "autofocus"),
                        ]),
                    .element("button", [Attribute("type", "submit")], "Sign in"),
                ]))
        return bare("Sign in", content)
    }

    static func refusal(member: String) -> String {
        bare(
            "Access refused",
            [
                .element(
                    "p", [.class("error"), Attribute("role", "alert")],
                    "Member \(member) lacks admin_read and read_all: the audit console is for auditors and the operator's "
                        + "compliance team. Ask the operator for a role that grants admin_read."),
                .element(
                    "p", [.element("a", [.href(ConsoleLink(["console", "sign-in"]))], "Sign in as someone else")]),
            ])
    }
}
