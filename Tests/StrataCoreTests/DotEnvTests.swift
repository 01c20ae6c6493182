// DotEnv: dotenv files as deploy scripts write them.

import Testing
@testable import StrataCore

struct DotEnvTests {
    @Test func parsesTheUsualForms() throws {
        let text = """
        # a comment
        export A=1
        B = two
          C=three   
        D='single $X # kept \\n literal'
        E="line\\nbreak \\"q\\" \\\\ tab\\tend"
        F=value # trailing comment
        G=a#b
        H=
        I=""
        J="quoted" # comment after quotes
        K=postgres://app:pw@db:5432/app?sslmode=require
        _UNDER_9=x
        L=a=b=c

        """
        let vars = try DotEnv.parse(text, file: ".env")
        #expect(vars == [
            "A": "1",
            "B": "two",
            "C": "three",
            "D": "single $X # kept \\n literal",
            "E": "line\nbreak \"q\" \\ tab\tend",
            "F": "value",
            "G": "a#b",
            "H": "",
            "I": "",
            "J": "quoted",
            "K": "postgres://app:pw@db:5432/app?sslmode=require",
            "_UNDER_9": "x",
            "L": "a=b=c",
        ])
    }

    @Test func laterLinesWin() throws {
        #expect(try DotEnv.parse("A=1\nA=2\n", file: ".env") == ["A": "2"])
    }

    @Test func crlfAndEmptyFiles() throws {
        #expect(try DotEnv.parse("A=1\r\nB='2'\r\n", file: ".env") == ["A": "1", "B": "2"])
        #expect(try DotEnv.parse("", file: ".env").isEmpty)
        #expect(try DotEnv.parse("# only\n\n", file: ".env").isEmpty)
    }

    @Test("errors name the file and line", arguments: [
        ("A=1\nNOVALUE\n", 2, ["expected KEY=value"]),
        ("\n\n1A=x\n", 3, ["`1A`", "not a valid variable name"]),
        ("MY-VAR=x\n", 1, ["`MY-VAR`", "not a valid variable name"]),
        ("=x\n", 1, ["not a valid variable name"]),
        ("A=1\nB='open\n", 2, ["unterminated single quote"]),
        ("A='\n", 1, ["unterminated single quote"]),
        ("A=\"open\n", 1, ["unterminated double quote"]),
        ("A=\"ends with escape\\\"\n", 1, ["unterminated double quote"]),
        ("A=1\r\nbroken\r\n", 2, ["expected KEY=value"]),
    ])
    func errors(text: String, line: Int, words: [String]) throws {
        let error = try #require(configError { () throws(ConfigError) in try DotEnv.parse(text, file: "deploy/.env.prod") })
        expectContains(error.message, ["deploy/.env.prod:\(line):"] + words)
    }

    @Test func loadReadsAFileAndNamesAMissingOne() throws {
        let dir = try TempDir("dotenv")
        defer { dir.remove() }
        let file = try dir.write(".env", "export DATABASE_URL=postgres://app@db/app\n")
        #expect(try DotEnv.load(path: file.path) == ["DATABASE_URL": "postgres://app@db/app"])
        let missing = dir.path + "/absent.env"
        let error = try #require(configError { () throws(ConfigError) in try DotEnv.load(path: missing) })
        expectContains(error.message, [missing, "cannot read"])
        let bad = try dir.writeBytes("latin1.env", Array("A=caf".utf8) + [0xE9])
        let utf8 = try #require(configError { () throws(ConfigError) in try DotEnv.load(path: bad.path) })
        expectContains(utf8.message, ["latin1.env", "UTF-8"])
    }
}
