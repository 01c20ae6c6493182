import Foundation
import PostgresNIO
import StrataCore
import Synchronization

/// One PostgreSQL connection. Statements go through the extended protocol, one at a time; a transactional
/// migration run in its own transaction sends its statements together as one `DO` block (see
/// ``PostgresDialect/batch(_:lockTimeout:)``), and a `--single-transaction` run sends up to a hundred
/// migrations in one (``PostgresDialect/batch(groups:lockTimeout:)``).
final class PostgresSession: DatabaseSession {
    let connection: PostgresConnection
    let driver: PostgresDriver
    let backendPID = Mutex<Int32?>(nil)
    let watch: ConnectionWatch
    let executor: EventLoopTaskExecutor
    var preferredExecutor: (any TaskExecutor)? { executor }

    init(connection: PostgresConnection, driver: PostgresDriver) {
        self.connection = connection
        self.driver = driver
        self.watch = ConnectionWatch(connection, target: driver.displayTarget)
        self.executor = EventLoopTaskExecutor(connection.eventLoop)
    }

    func execute(_ sql: String) async throws {
        // Rows are dropped as they arrive: a statement that returns millions of them holds none in memory.
        try await run(sql) { _ in }
    }

    func query(_ sql: String) async throws -> [Row] {
        let rows = Mutex<[Row]>([])
        try await forEachRow(sql) { row in rows.withLock { $0.append(row) } }
        return rows.withLock { $0 }
    }

    func forEachRow(_ sql: String, _ body: @escaping @Sendable (Row) throws -> Void) async throws {
        try await run(sql) { row in try body(Row(row.map(Self.text))) }
    }

    /// Runs `sql`, handing each row to `onRow` on the connection's event loop as it arrives; errors mapped.
    private func run(_ sql: String, onRow: @escaping @Sendable (PostgresRow) throws -> Void) async throws {
        do {
            _ = try await watch.run { () -> EventLoopFuture<PostgresQueryMetadata> in
                connection.query(PostgresQuery(unsafeSQL: sql), logger: driver.logger, onRow)
            }
        } catch {
            throw map(error)
        }
    }

    func cancelRunningStatement() async {
        guard let pid = backendPID.withLock({ $0 }) else { return }
        guard let other = try? await driver.connect(applicationName: "strata cancel") else { return }
        _ = try? await other.query(PostgresQuery(unsafeSQL: "SELECT pg_cancel_backend(\(pid))"), logger: driver.logger).collect()
        try? await other.close()
    }

    private func map(_ error: any Error) -> any Error {
        guard let e = error as? PSQLError else { return error }
        if let info = e.serverInfo, let message = info[.message] {
            return DatabaseError(message: message, sqlState: info[.sqlState], detail: info[.detail], hint: info[.hint],
                                 position: info[.position].flatMap { Int($0) }, underlying: driver.redacted(String(reflecting: e)),
                                 context: info[.locationContext], internalPosition: info[.internalPosition].flatMap { Int($0) },
                                 internalQuery: info[.internalQuery])
        }
        if e.code == .queryCancelled {
            return DatabaseError(message: "the statement was cancelled", sqlState: "57014")
        }
        return ConnectionError(target: driver.displayTarget, reason: "connection lost (\(e.code))", underlying: driver.redacted(String(reflecting: e)))
    }

    /// A cell as text, whatever its type.
    static func text(_ cell: PostgresCell) -> String? {
        guard cell.bytes != nil else { return nil }
        switch cell.dataType {
        case .int2, .int4, .int8:
            if let v = try? cell.decode(Int64.self) { return String(v) }
        case .bool:
            if let v = try? cell.decode(Bool.self) { return v ? "true" : "false" }
        case .float4, .float8:
            if let v = try? cell.decode(Double.self) { return String(v) }
        case .oid:
            if cell.format == .binary, let b = cell.bytes, let v = b.getInteger(at: b.readerIndex, as: UInt32.self) { return String(v) }
        case .timestamptz, .timestamp:
            // Binary cells: String decoding would return the raw 8 bytes.
            if let v = try? cell.decode(Date.self) { return Timestamps.format(v) }
        case .date:
            if let v = try? cell.decode(Date.self) { return v.formatted(.iso8601.year().month().day().dateSeparator(.dash)) }
        case .numeric:
            if let v = try? cell.decode(Decimal.self) { return "\(v)" }
        default: break
        }
        if let s = try? cell.decode(String.self) { return s }
        if cell.format == .text, var b = cell.bytes { return b.readString(length: b.readableBytes) }
        return cell.bytes.map { "\\x" + $0.readableBytesView.map { String(format: "%02x", $0) }.joined() }
    }
}
