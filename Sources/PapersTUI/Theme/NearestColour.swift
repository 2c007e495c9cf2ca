import Foundation

/// The index of the terminal colour to draw `color` with, on a terminal with `colours` colours.
///
/// - With 256 or more: indexed colours stay as they are; RGB goes to the nearest of the xterm
///   colour cube (16–231) and grey ramp (232–255), as tmux does, so #ff0000 is 196.
/// - With 16: indexes below 16 stay; others go to the nearest of the 16 basic colours.
/// - With fewer: indexes below 8 stay; the bright ones 9–15 are their plain colour (bright red is
///   red) and grey (8) is white, never black that would vanish on a dark background; the rest go
///   to the nearest of the 8, so #ff0000 is red (1).
///
/// Named colours are always their own index. "Nearest" is by distance in CIE L\*a\*b\*, with the
/// colours as xterm draws them: plain RGB distance would draw grey as yellow.
public func nearestIndex(of color: Color, colours: Int) -> Int {
    let palette = colours >= 256 ? 256 : colours >= 16 ? 16 : 8
    switch color {
    case .named(let named):
        return named.rawValue
    case .indexed(let index):
        if Int(index) < palette { return Int(index) }
        if palette == 8, index < 16 { return index == 8 ? 7 : Int(index) - 8 }
        return TerminalPalette.nearestBasic(to: TerminalPalette.rgb(ofIndex: index), count: palette)
    case .rgb(let red, let green, let blue):
        let rgb = TerminalPalette.RGB(red, green, blue)
        return palette == 256 ? TerminalPalette.nearestOf256(to: rgb) : TerminalPalette.nearestBasic(to: rgb, count: palette)
    }
}

/// The xterm palette, to map colours a terminal lacks to ones it has.
enum TerminalPalette {
    struct RGB: Equatable {
        var red, green, blue: Int

        init(_ red: UInt8, _ green: UInt8, _ blue: UInt8) {
            (self.red, self.green, self.blue) = (Int(red), Int(green), Int(blue))
        }

        init(_ red: Int, _ green: Int, _ blue: Int) {
            (self.red, self.green, self.blue) = (red, green, blue)
        }

        /// The squared distance in CIE L*a*b* (CIE76), where equal distances look about equally far.
        func distance(to other: RGB) -> Double {
            let (l1, a1, b1) = lab
            let (l2, a2, b2) = other.lab
            return (l1 - l2) * (l1 - l2) + (a1 - a2) * (a1 - a2) + (b1 - b2) * (b1 - b2)
        }

        /// sRGB (D65) to CIE L*a*b*.
        private var lab: (Double, Double, Double) {
            func linear(_ channel: Int) -> Double {
                let value = Double(channel) / 255
                return value <= 0.04045 ? value / 12.92 : pow((value + 0.055) / 1.055, 2.4)
            }
            let (r, g, b) = (linear(red), linear(green), linear(blue))
            let x = (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047
            let y = 0.2126 * r + 0.7152 * g + 0.0722 * b
            let z = (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883
            func f(_ t: Double) -> Double { t > 216.0 / 24389 ? cbrt(t) : (24389.0 / 27 * t + 16) / 116 }
            return (116 * f(y) - 16, 500 * (f(x) - f(y)), 200 * (f(y) - f(z)))
        }
    }

    /// Colours 0–15 as xterm draws them.
    static let basic: [RGB] = [
        RGB(0, 0, 0), RGB(205, 0, 0), RGB(0, 205, 0), RGB(205, 205, 0),
        RGB(0, 0, 238), RGB(205, 0, 205), RGB(0, 205, 205), RGB(229, 229, 229),
        RGB(127, 127, 127), RGB(255, 0, 0), RGB(0, 255, 0), RGB(255, 255, 0),
        RGB(92, 92, 255), RGB(255, 0, 255), RGB(0, 255, 255), RGB(255, 255, 255),
    ]

    /// The six levels of each channel of the colour cube, 16–231.
    static let cubeLevels = [0, 95, 135, 175, 215, 255]

    static func rgb(ofIndex index: UInt8) -> RGB {
        let index = Int(index)
        switch index {
        case ..<16:
            return basic[index]
        case 16..<232:
            let cube = index - 16
            return RGB(cubeLevels[cube / 36], cubeLevels[cube / 6 % 6], cubeLevels[cube % 6])
        default:
            let level = 8 + 10 * (index - 232)
            return RGB(level, level, level)
        }
    }

    /// The nearest of the first `count` basic colours.
    static func nearestBasic(to rgb: RGB, count: Int) -> Int {
        basic.prefix(count).indices.min { basic[$0].distance(to: rgb) < basic[$1].distance(to: rgb) } ?? 0
    }

    /// The nearest of the colour cube and the grey ramp.
    static func nearestOf256(to rgb: RGB) -> Int {
        func nearestLevel(_ value: Int) -> Int {
            cubeLevels.indices.min { abs(cubeLevels[$0] - value) < abs(cubeLevels[$1] - value) } ?? 0
        }
        let (r, g, b) = (nearestLevel(rgb.red), nearestLevel(rgb.green), nearestLevel(rgb.blue))
        let cube = RGB(cubeLevels[r], cubeLevels[g], cubeLevels[b])
        let average = (rgb.red + rgb.green + rgb.blue) / 3
        let greyStep = min(max((average - 3) / 10, 0), 23)
        let grey = RGB(8 + 10 * greyStep, 8 + 10 * greyStep, 8 + 10 * greyStep)
        if grey.distance(to: rgb) < cube.distance(to: rgb) {
            return 232 + greyStep
        }
        return 16 + 36 * r + 6 * g + b
    }
}
