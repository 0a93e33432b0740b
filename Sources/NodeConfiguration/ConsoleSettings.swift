import ConfigFiles

/// `[admin]`'s console keys: the read-only audit console under `/console/` on the admin
/// listener (docs/CONSOLE.md).
public struct ConsoleSettings: Sendable, Equatable {
    /// `console`: serve the console (default true; the admin listener must be on).
    public var enabled = true
    /// `console_idle_minutes`: a session with no request for this long ends (default 30).
    public var idleMinutes = 30
    /// `console_session_hours`: a session ends this long after sign-in, however busy (default 8).
    public var sessionHours = 8
    /// `console_secure_cookie`: mark the session cookie `Secure`. The admin listener speaks plain
    /// HTTP; set this when a TLS-terminating proxy serves the console as https (default false).
    public var secureCookie = false

    public init() {}

    static func parse(_ admin: TableReader) throws(ConfigError) -> ConsoleSettings {
        var settings = ConsoleSettings()
        settings.enabled = try admin.optionalBoolean("console") ?? settings.enabled
        settings.idleMinutes = try admin.optionalInteger("console_idle_minutes", in: 1...1_440) ?? settings.idleMinutes
        settings.sessionHours = try admin.optionalInteger("console_session_hours", in: 1...168) ?? settings.sessionHours
        settings.secureCookie = try admin.optionalBoolean("console_secure_cookie") ?? settings.secureCookie
        guard settings.idleMinutes <= settings.sessionHours * 60 else {
            throw admin.error(
                "console_idle_minutes",
                "is \(settings.idleMinutes), longer than console_session_hours (\(settings.sessionHours) h): make it shorter"
            )
        }
        return settings
    }
}
