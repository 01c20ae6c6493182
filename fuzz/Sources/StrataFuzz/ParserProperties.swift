import StrataCore

/// Properties of ``SectionParser/parse(_:file:wholeFile:)`` (one migration file) that hold for every input:
///
/// 1. A problem names the file it was given and a line within the file (column at least 1).
/// 2. A file with sections has an up section; a whole file is exactly the section it was parsed as.
/// 3. Each section's statements are the splitter's statements of its text, at file lines inside its own lines,
///    and only the up section carries a checksum (the checksum of its text).
/// 4. Line ends do not matter: the same text with CRLF instead of LF gives the same sections or the same problem.
enum ParserProperties {
    static let file = "0001_fuzz.sql"

    static func check(_ text: String) {
        let lineCount = LineTable(Array(text.utf8)).count
        let crlf: String? = text.utf8.contains(0x0D) ? nil : text.replacing("\n", with: "\r\n")
        for whole in [nil, SectionKind.up, .down] {
            let result = outcome(text, whole: whole)
            switch result {
            case .failure(let problem):
                require(problem.file == file, "problem names \(problem.file), not \(file)", text)
                if let line = problem.line { require(line >= 1 && line <= lineCount, "problem line \(line) outside 1...\(lineCount)", text) }
                if let column = problem.column { require(column >= 1, "problem column \(column) < 1", text) }
            case .success(let sections):
                if let whole {
                    require(Array(sections.keys) == [whole], "whole \(whole) file gave sections \(sections.keys)", text)
                } else {
                    require(sections[.up] != nil, "no up section but no problem either", text)
                }
                for (kind, section) in sections {
                    require(section.kind == kind, "section \(kind) says it is \(section.kind)", text)
                    require(section.startLine >= 1 && section.startLine <= lineCount + 1, "section \(kind) starts at line \(section.startLine)", text)
                    let sectionLines = LineTable(Array(section.text.utf8)).count
                    let again = try? StatementSplitter.split(section.text, startLine: section.startLine)
                    require(again == section.statements, "section \(kind) statements differ from splitting its text", text)
                    for s in section.statements {
                        require(s.line >= section.startLine && s.line < section.startLine + sectionLines,
                                "section \(kind) statement at line \(s.line) outside its lines", text)
                    }
                    require((section.checksum != nil) == (kind == .up), "section \(kind) checksum presence", text)
                    if let sum = section.checksum { require(sum == Checksum.of(section.text), "up checksum is not of its text", text) }
                }
            }
            if let crlf {
                require(outcome(crlf, whole: whole) == result, "CRLF line ends change the outcome (whole: \(String(describing: whole)))", text)
            }
        }
    }

    static func outcome(_ text: String, whole: SectionKind?) -> Result<[SectionKind: ParsedSection], SourceProblem> {
        Result { () throws(SourceProblem) in try SectionParser.parse(text, file: file, wholeFile: whole) }
    }
}
