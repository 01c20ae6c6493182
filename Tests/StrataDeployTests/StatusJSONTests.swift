import Foundation
@testable import StrataDeploy
import Testing

@Suite("Status file JSON: steps encoded once, the same bytes as a full encoding")
struct StatusJSONTests {
    static func step(_ i: Int, name: String? = nil) -> RunStatusStep {
        RunStatusStep(version: String(format: "%05d", i), name: name ?? "t\(i)", direction: i % 3 == 0 ? "down" : "up", durationMs: Int64(i * 7 % 1000))
    }

    @Test("the splice point exists: an empty list is encoded as the splice expects")
    func emptyListShape() throws {
        let data = try sampleStatus().jsonData()
        #expect(data.range(of: StatusJSON.emptyList) != nil, "\(String(decoding: data, as: UTF8.self))")
    }

    @Test("growing lists, in one encoder, give the bytes of a full encoding each time")
    func growingListMatchesFullEncoding() throws {
        var json = StatusJSON()
        var status = sampleStatus()
        for count in [0, 1, 2, 3, 10, 250, 2_000] {
            while status.applied.count < count { status.applied.append(Self.step(status.applied.count + 1)) }
            status.message = "applied \(count)"
            #expect(try json.data(for: status) == status.jsonData(), "\(count) steps")
        }
    }

    @Test("names that need escaping, and lists that shrink or change, still give the bytes of a full encoding")
    func escapingAndChangedLists() throws {
        var json = StatusJSON()
        var status = sampleStatus()
        let names = ["quote \" here", "back\\slash", "new\nline", "tab\there", "slash/path", "ünïcödé ✓", "emoji 🚀", "nul\u{0}byte", ""]
        status.applied = names.enumerated().map { Self.step($0.offset + 1, name: $0.element) }
        #expect(try json.data(for: status) == status.jsonData())
        status.applied.append(Self.step(100))
        #expect(try json.data(for: status) == status.jsonData())
        status.applied[2].name = "changed"           // an earlier step changed
        #expect(try json.data(for: status) == status.jsonData())
        status.applied.removeLast(3)                 // the list shrank
        #expect(try json.data(for: status) == status.jsonData())
        status.applied = []                          // emptied
        #expect(try json.data(for: status) == status.jsonData())
        status.applied = [Self.step(1)]
        #expect(try json.data(for: status) == status.jsonData())
        // And it reads back as the same status.
        #expect(try RunStatus.decode(try json.data(for: status)).applied == status.applied)
    }
}
