import Foundation

/// What `strata render systemd` fills in.
public struct SystemdOptions: Sendable, Hashable {
    /// The `strata` executable on the server.
    public var binary = "/usr/local/bin/strata"
    /// The dedicated user (and group) the migration runs as.
    public var user = "strata"
    public var group = "strata"
    /// Where `strata.toml` and the migrations are.
    public var workingDirectory = "/srv/app"
    /// Where env files live: the unit reads `<dir>/env-<instance>`.
    public var environmentDirectory = "/etc/strata"
    public var stateDirectory = "/var/lib/strata"
    public var logDirectory = "/var/log/strata"
    /// The application's service, stopped during the migration; `%i` is replaced by the environment.
    public var appService = "app@%i.service"
    /// `strata job wait` settings of the deploy script.
    public var waitTimeout = "2h"
    public var poll = "5s"
    public var progress = "30s"
    /// The Strata version that rendered the files (written in their headers).
    public var strataVersion = ""

    public init() {}
}

/// Renders the template unit `strata-migrate@.service`, an example env file, and the `strata-deploy` script.
///
/// ```swift
/// var options = SystemdOptions()
/// options.workingDirectory = "/srv/shop"
/// try RenderedFile.write(SystemdRenderer.render(options), to: "deploy/systemd", overwrite: false)
/// ```
public enum SystemdRenderer {
    public static let unitName = "strata-migrate@.service"
    public static let envFileName = "strata-env.example"
    public static let deployScriptName = "strata-deploy"

    public static func render(_ o: SystemdOptions) -> [RenderedFile] {
        [RenderedFile(name: unitName, contents: unit(o)),
         RenderedFile(name: envFileName, contents: envFile(o), mode: 0o640),
         RenderedFile(name: deployScriptName, contents: deployScript(o), mode: 0o755)]
    }

    /// `StateDirectory=`/`LogsDirectory=` when the directory is under /var/lib or /var/log (systemd creates it,
    /// owned by the user, writable despite `ProtectSystem=strict`), else `ReadWritePaths=`.
    static func writableDirectives(_ o: SystemdOptions) -> [String] {
        var lines: [String] = []
        for (dir, prefix, key) in [(o.stateDirectory, "/var/lib/", "StateDirectory"), (o.logDirectory, "/var/log/", "LogsDirectory")] {
            if dir.hasPrefix(prefix), dir.count > prefix.count {
                lines.append("\(key)=\(dir.dropFirst(prefix.count))")
                lines.append("\(key)Mode=0750")
            } else {
                lines.append("ReadWritePaths=\(dir)")
            }
        }
        return lines
    }

    static func unit(_ o: SystemdOptions) -> String {
        let underHome = ["/home/", "/root/", "/run/user/"].contains { o.workingDirectory.hasPrefix($0) } || o.workingDirectory == "/root"
        return """
        # strata-migrate@.service: applies pending migrations for one environment (the instance name).
        # Rendered by `strata render systemd`\(o.strataVersion.isEmpty ? "" : " (strata \(o.strataVersion))").
        #
        #   install:  sudo useradd --system --no-create-home --shell /usr/sbin/nologin \(o.user)
        #             sudo install -m 0644 \(unitName) /etc/systemd/system/
        #             sudo install -m 0640 -g \(o.group) \(envFileName) \(o.environmentDirectory)/env-staging   # then edit it
        #             sudo systemctl daemon-reload
        #   run:      sudo systemctl start strata-migrate@staging     (or strata-deploy staging)
        #   watch:    strata job status staging; journalctl -u strata-migrate@staging -f
        #
        # \(o.workingDirectory)/strata.toml must define [environments.<instance>] (it may be empty: the database
        # comes from the env file). The run writes its status file to \(o.stateDirectory)/<instance>.json.
        # A SQLite database needs its directory added to ReadWritePaths=.

        [Unit]
        Description=Strata database migrations (%i)
        After=network-online.target
        Wants=network-online.target

        [Service]
        Type=oneshot
        User=\(o.user)
        Group=\(o.group)
        EnvironmentFile=\(o.environmentDirectory)/env-%i
        Environment=STRATA_STATE_DIR=\(o.stateDirectory) STRATA_LOG_DIR=\(o.logDirectory) NO_COLOR=1
        WorkingDirectory=\(o.workingDirectory)
        ExecStart=\(o.binary) up --env %i
        # No start timeout: a long migration must not be killed by systemd (use strata's --timeout for a limit).
        TimeoutStartSec=infinity
        # SIGTERM makes strata roll the running migration back and release the lock within seconds.
        TimeoutStopSec=30s
        UMask=0027
        \(writableDirectives(o).joined(separator: "\n"))

        # Hardening
        NoNewPrivileges=yes
        ProtectSystem=strict
        ProtectHome=\(underHome ? "read-only" : "yes")
        PrivateTmp=yes
        PrivateDevices=yes
        ProtectKernelTunables=yes
        ProtectKernelModules=yes
        ProtectKernelLogs=yes
        ProtectControlGroups=yes
        ProtectClock=yes
        ProtectHostname=yes
        RestrictSUIDSGID=yes
        RestrictRealtime=yes
        RestrictNamespaces=yes
        LockPersonality=yes
        RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6
        SystemCallArchitectures=native
        CapabilityBoundingSet=
        AmbientCapabilities=

        """
    }

    static func envFile(_ o: SystemdOptions) -> String {
        """
        # \(o.environmentDirectory)/env-<environment>: variables for strata-migrate@<environment>.service.
        # It holds the database password: mode 0640, owner root, group \(o.group).
        DATABASE_URL=postgres://app:CHANGE-ME@db.internal:5432/app
        # PGSSLMODE=verify-full
        # PGSSLROOTCERT=/etc/ssl/certs/db-ca.pem
        # How long to wait for another run's migration lock, and an overall limit (none by default):
        # STRATA_LOCK_WAIT=5m
        # STRATA_TIMEOUT=3h

        """
    }

    static func deployScript(_ o: SystemdOptions) -> String {
        let app = o.appService.replacingOccurrences(of: "%i", with: "${ENVIRONMENT}")
        return """
        #!/usr/bin/env bash
        # strata-deploy ENVIRONMENT: stops the app, migrates through strata-migrate@ENVIRONMENT.service,
        # and starts the app again only when the migration completed.
        # Rendered by `strata render systemd`\(o.strataVersion.isEmpty ? "" : " (strata \(o.strataVersion))").
        #
        # The migration runs under systemd, not under this script: if the SSH session or this script dies,
        # it goes on; run `strata job wait ENVIRONMENT` (or this script again) to follow it.
        # Needs: root or sudo rights for systemctl, and read access to \(o.stateDirectory) (group \(o.group)).
        # Exit codes: 0 migrated and app started; otherwise strata job wait's code (1 failed, 7 crashed,
        # 124 still running after WAIT_TIMEOUT, 2 no run started); the app then stays stopped.
        set -euo pipefail

        ENVIRONMENT="${1:?usage: strata-deploy ENVIRONMENT}"
        STRATA="${STRATA:-\(o.binary)}"
        APP_SERVICE="${APP_SERVICE:-\(app)}"
        UNIT="strata-migrate@${ENVIRONMENT}.service"
        WAIT_TIMEOUT="${WAIT_TIMEOUT:-\(o.waitTimeout)}"
        export STRATA_STATE_DIR="${STRATA_STATE_DIR:-\(o.stateDirectory)}"
        export STRATA_LOG_DIR="${STRATA_LOG_DIR:-\(o.logDirectory)}"

        log() { printf '[strata-deploy] %s\\n' "$*" >&2; }
        SYSTEMCTL=(systemctl)
        if [ "$(id -u)" -ne 0 ]; then SYSTEMCTL=(sudo systemctl); fi

        since="$(date -u +%Y-%m-%dT%H:%M:%SZ)"
        log "stopping ${APP_SERVICE}"
        "${SYSTEMCTL[@]}" stop "$APP_SERVICE"
        "${SYSTEMCTL[@]}" reset-failed "$UNIT" >/dev/null 2>&1 || true
        log "starting ${UNIT}"
        "${SYSTEMCTL[@]}" start --no-block "$UNIT"

        rc=0
        "$STRATA" job wait "$ENVIRONMENT" --since "$since" --timeout "$WAIT_TIMEOUT" --poll \(o.poll) --progress \(o.progress) || rc=$?
        case "$rc" in
        0)
            log "migration completed; starting ${APP_SERVICE}"
            "${SYSTEMCTL[@]}" start "$APP_SERVICE"
            ;;
        124)
            log "the migration is still running after ${WAIT_TIMEOUT}; ${APP_SERVICE} stays stopped (follow it: $STRATA job wait ${ENVIRONMENT})"
            exit "$rc"
            ;;
        *)
            log "the migration did not complete (strata job wait exit ${rc}); ${APP_SERVICE} stays stopped"
            journalctl -u "$UNIT" -n 50 --no-pager >&2 || true
            exit "$rc"
            ;;
        esac

        """
    }
}
