import Foundation
import Testing

@testable import PapersTUI

/// The repository's shipped `themes/` folder.
private let shippedThemes = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("themes").path

private let shippedNames = ["default", "light", "monochrome", "high-contrast"]

/// A fresh folder holding the given files, removed by the caller.
private func folder(with files: [String: String]) throws -> String {
    let root = FileManager.default.temporaryDirectory.appendingPathComponent("ThemeTests-\(UUID().uuidString)")
    for (path, text) in files {
        let file = root.appendingPathComponent(path)
        try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
        try text.write(to: file, atomically: true, encoding: .utf8)
    }
    return root.path
}

private func parseError(_ text: String, file: String = "themes/bad.toml") -> ThemeError? {
    do {
        _ = try Theme.parse(text, name: "bad", file: file)
        return nil
    } catch {
        return error
    }
}

/// Everything about themes, under one name so `--filter ThemeTests` runs it all.
enum ThemeTests {}

extension ThemeTests {
    @Suite struct ShippedThemes {
        @Test(arguments: shippedNames)
        func loadsAndSetsEverySlot(name: String) throws {
            let theme = try Theme.load(name: name, searchPaths: [shippedThemes])
            #expect(theme.name == name)
            let text = try String(contentsOfFile: "\(shippedThemes)/\(name).toml", encoding: .utf8)
            let styles = try ThemeFile.styles(in: text, file: name)
            let missing = ThemeSlot.allCases.filter { styles[$0] == nil }
            #expect(missing.isEmpty, "\(name).toml falls back for \(missing)")
        }

        @Test func defaultFileIsTheFallback() throws {
            #expect(try Theme.load(name: "default", searchPaths: [shippedThemes]) == Theme.fallback)
        }

        @Test func monochromeFileIsTheBuiltInMonochrome() throws {
            #expect(try Theme.load(name: "monochrome", searchPaths: [shippedThemes]) == Theme.monochrome)
        }

        @Test func monochromeHasNoColoursButKeepsSelectionAndMarksVisible() {
            let theme = Theme.monochrome
            for slot in ThemeSlot.allCases {
                #expect(theme[slot].fg == nil && theme[slot].bg == nil, "\(slot.rawValue) has a colour")
            }
            #expect(theme[.paneSelected] != .plain)
            #expect(theme[.paneMarked] != .plain)
            #expect(theme[.paneMarked] != theme[.paneSelected])
            #expect(theme[.statusError] != .plain)
        }
    }

    @Suite struct ThemeFiles {
        @Test func missingKeysFallBackToTheDefaultForExactlyThoseKeys() throws {
            let theme = try Theme.parse(
                """
                [pane]
                selected = { fg = "red" }
                [progress]
                bar = { bg = "#102030", reverse = true }
                """,
                name: "partial", file: "partial.toml")
            // A style is replaced whole: selected has no background although the default's has one.
            #expect(theme[.paneSelected] == Style(fg: .named(.red)))
            #expect(theme[.progressBar] == Style(bg: .rgb(0x10, 0x20, 0x30), reverse: true))
            for slot in ThemeSlot.allCases where slot != .paneSelected && slot != .progressBar {
                #expect(theme[slot] == Theme.fallback[slot], "\(slot.rawValue)")
            }
        }

        @Test func coloursAreNamesIndexesOrRGB() throws {
            let theme = try Theme.parse(
                """
                [pane]
                item = { fg = "Blue", bg = 0 }
                folder = { fg = "255", bg = 17 }
                dim = { fg = "#A0b1C2" }
                """,
                name: "colours", file: "colours.toml")
            #expect(theme[.paneItem] == Style(fg: .named(.blue), bg: .indexed(0)))
            #expect(theme[.paneFolder] == Style(fg: .indexed(255), bg: .indexed(17)))
            #expect(theme[.paneDim] == Style(fg: .rgb(0xa0, 0xb1, 0xc2)))
        }

        @Test func aBadColourNamesFileLineAndKey() throws {
            let error = try #require(
                parseError(
                    """
                    # a theme
                    [header]
                    bar = { fg = "white" }

                    [pane]
                    border = { fg = "blue" }
                    selected = { fg = "black", bg = "purpleish" }
                    """))
            #expect(error.file == "themes/bad.toml")
            #expect(error.line == 7)
            #expect(error.key == "pane.selected")
            #expect(error.problem == .notAColour("\"purpleish\""))
            #expect(
                error.description
                    == #"themes/bad.toml:7: pane.selected: "purpleish" is not a colour (use one of the 8 names, 0-255 or #rrggbb)"#)
        }

        @Test(arguments: ["fg = 256", "fg = -1", #"fg = "256""#, ##"fg = "#12345g""##, ##"fg = "#1234567""##, #"bg = "+5""#, #"fg = """#])
        func outOfRangeOrMalformedColoursAreErrors(field: String) throws {
            let error = try #require(parseError("[pane]\nitem = { \(field) }"))
            #expect(error.line == 2)
            #expect(error.key == "pane.item")
            guard case .notAColour = error.problem else {
                Issue.record("expected notAColour, got \(error.problem)")
                return
            }
        }

        @Test func anUnknownKeyIsAnError() throws {
            let error = try #require(parseError("[pane]\nborder = { fg = \"blue\" }\nfoo = { fg = \"red\" }\n"))
            #expect(error.line == 3)
            #expect(error.key == "pane.foo")
            #expect(error.problem == .unknownKey)
            #expect(error.description.hasPrefix("themes/bad.toml:3: unknown key pane.foo (pane has border, title,"))
        }

        @Test func anUnknownSectionOrAttributeIsAnError() throws {
            let section = try #require(parseError("[pane]\nitem = {}\n[panes]\nitem = {}\n"))
            #expect(section.line == 3)
            #expect(section.problem == .unknownSection)
            #expect(section.description.hasPrefix("themes/bad.toml:3: unknown section [panes]"))

            let attribute = try #require(parseError("[pane]\nitem = { italic = true }\n"))
            #expect(attribute.line == 2)
            #expect(attribute.key == "pane.item.italic")
            #expect(attribute.problem == .unknownKey)
        }

        @Test func badTOMLSyntaxReportsItsLine() throws {
            let error = try #require(parseError("[pane]\nitem = {}\nfolder = { fg = \"blue\"\nmarked = {}\n"))
            #expect(error.line == 3)
            guard case .syntax = error.problem else {
                Issue.record("expected a syntax error, got \(error.problem)")
                return
            }
            #expect(error.description.hasPrefix("themes/bad.toml:3: "))
        }

        @Test func wrongTypesAreErrors() throws {
            let double = try #require(parseError("[pane]\nitem = { fg = 3.5 }"))
            #expect(double.key == "pane.item")
            #expect(double.line == 2)
            #expect(double.problem == .wrongType(field: "fg", expected: "a colour name, 0-255 or \"#rrggbb\"", found: "the number 3.5"))

            let string = try #require(parseError("[pane]\nitem = {}\nfolder = { bold = \"yes\" }"))
            #expect(string.line == 3)
            #expect(string.description == "themes/bad.toml:3: pane.folder: bold must be true or false, not the string \"yes\"")

            let notATable = try #require(parseError("[pane]\nitem = \"blue\""))
            #expect(notATable.key == "pane.item")
            guard case .wrongType(field: nil, _, _) = notATable.problem else {
                Issue.record("expected wrongType, got \(notATable.problem)")
                return
            }
        }

        @Test func theFirstProblemInTheFileIsReported() throws {
            // toml++ hands tables back in key order, so [pane] would come before [status].
            let error = try #require(parseError("[status]\nerror = { fg = \"nope\" }\n[pane]\nitem = { fg = \"nope\" }\n"))
            #expect(error.line == 2)
            #expect(error.key == "status.error")
        }

        @Test func linesAreFoundForStandardTablesAndQuotedKeys() throws {
            let table = try #require(parseError("[pane]\nitem = {}\n\n[pane.selected]\nbg = \"cyan\"\nfg = \"nope\"\n"))
            #expect(table.line == 6)
            #expect(table.key == "pane.selected")

            let quoted = try #require(parseError("[\"pane\"]\n'item' = {}\n\"folder\" = { fg = 'a = b' }\n"))
            #expect(quoted.line == 3)
            #expect(quoted.key == "pane.folder")
        }
    }

    @Suite struct Lookup {
        @Test func noColorSelectsMonochrome() throws {
            let theme = try Theme.select(requested: "light", environment: ["NO_COLOR": "1"], searchPaths: [shippedThemes])
            #expect(theme == Theme.monochrome)
        }

        @Test func anEmptyNoColorIsIgnored() throws {
            let theme = try Theme.select(requested: nil, environment: ["NO_COLOR": ""], searchPaths: [shippedThemes])
            #expect(theme == Theme.fallback)
            #expect(try Theme.select(requested: "light", environment: [:], searchPaths: [shippedThemes]).name == "light")
        }

        @Test func nameLookupPrefersTheUsersFolder() throws {
            let user = try folder(with: ["light.toml": "[pane]\nselected = { fg = \"red\" }\n"])
            defer { try? FileManager.default.removeItem(atPath: user) }
            let theme = try Theme.load(name: "light", searchPaths: [user, shippedThemes])
            #expect(theme[.paneSelected] == Style(fg: .named(.red)))
            #expect(try Theme.load(name: "high-contrast", searchPaths: [user, shippedThemes]).name == "high-contrast")
        }

        @Test func aPathLoadsThatFile() throws {
            let user = try folder(with: ["mine.toml": "[pane]\nmarked = { underline = true }\n"])
            defer { try? FileManager.default.removeItem(atPath: user) }
            let theme = try Theme.load(name: "\(user)/mine.toml", searchPaths: [])
            #expect(theme.name == "mine")
            #expect(theme[.paneMarked] == Style(underline: true))
        }

        @Test func anUnknownNameOrMissingFileIsAnError() {
            #expect(throws: ThemeError(file: "solarised", problem: .notFound(searched: [shippedThemes]))) {
                try Theme.load(name: "solarised", searchPaths: [shippedThemes])
            }
            #expect(throws: ThemeError(file: "/nonexistent/x.toml", problem: .unreadable)) {
                try Theme.load(name: "/nonexistent/x.toml", searchPaths: [shippedThemes])
            }
        }

        @Test func searchPathsPutTheUserFirstThenThoseNearTheExecutable() throws {
            let repo = URL(fileURLWithPath: shippedThemes).deletingLastPathComponent().path
            let paths = Theme.searchPaths(
                environment: ["XDG_CONFIG_HOME": "/home/ada/.cfg", "HOME": "/home/ada"],
                executablePath: "\(repo)/.build/debug/papers")
            #expect(paths == ["/home/ada/.cfg/papers/themes", shippedThemes, "/usr/local/share/papers/themes"])

            let prefix = try folder(with: ["share/papers/themes/default.toml": "", "bin/.keep": ""])
            defer { try? FileManager.default.removeItem(atPath: prefix) }
            let installed = Theme.searchPaths(environment: ["HOME": "/home/ada"], executablePath: "\(prefix)/bin/papers")
            #expect(installed.first == "/home/ada/.config/papers/themes")
            #expect(installed.dropFirst().first?.hasSuffix("/share/papers/themes") == true)
            #expect(installed.count == 3)
        }
    }

    @Suite struct NearestColour {
        @Test func pureRedIsRedWith8AndTheCubesRedWith256() {
            #expect(nearestIndex(of: .rgb(255, 0, 0), colours: 8) == 1)
            #expect(nearestIndex(of: .rgb(255, 0, 0), colours: 16) == 9)
            #expect(nearestIndex(of: .rgb(255, 0, 0), colours: 256) == 196)
        }

        @Test func indexedColoursStayWith256() {
            for index in 0...255 {
                #expect(nearestIndex(of: .indexed(UInt8(index)), colours: 256) == index)
            }
        }

        @Test func namedColoursAreTheirIndex() {
            for named in NamedColor.allCases {
                #expect(nearestIndex(of: .named(named), colours: 8) == named.rawValue)
            }
        }

        @Test func brightAndGreyColoursNeverVanishWith8() {
            #expect(nearestIndex(of: .indexed(8), colours: 8) == 7)
            #expect(nearestIndex(of: .indexed(9), colours: 8) == 1)
            #expect(nearestIndex(of: .indexed(11), colours: 8) == 3)
            #expect(nearestIndex(of: .rgb(0x80, 0x80, 0x80), colours: 8) == 7)
            #expect(nearestIndex(of: .rgb(0x20, 0x20, 0x20), colours: 8) == 0)
            #expect(nearestIndex(of: .rgb(0x5c, 0x5c, 0xff), colours: 8) == 4)
            #expect(nearestIndex(of: .indexed(196), colours: 8) == 1)
            #expect(nearestIndex(of: .indexed(196), colours: 16) == 9)
        }

        @Test func greysUseTheGreyRamp() {
            #expect(nearestIndex(of: .rgb(0x80, 0x80, 0x80), colours: 256) == 244)
            #expect(nearestIndex(of: .rgb(0, 0, 0), colours: 256) == 16)
            #expect(nearestIndex(of: .rgb(0x10, 0x20, 0x30), colours: 256) == 234)
        }
    }
}
