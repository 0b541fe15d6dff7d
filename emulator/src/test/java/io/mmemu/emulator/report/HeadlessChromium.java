package io.mmemu.emulator.report;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.logging.Level;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;

/**
 * Debian's chromium, headless, driven by Debian's chromedriver through Selenium: what the report
 * tests open pages with. Both binaries come from {@code bin/setup browser}; their paths are fixed
 * and given to Selenium, so Selenium Manager never looks for (or downloads) a driver or a browser.
 * Each instance starts Chromium with a fresh profile under {@code target/} and no network use of
 * its own (no sync, component updates, background networking or QUIC).
 */
public final class HeadlessChromium implements AutoCloseable {
    /** Where bin/setup browser leaves the driver (Debian's chromium-driver). */
    public static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    /** Where bin/setup browser leaves the browser (Debian's chromium). */
    public static final Path CHROMIUM = Path.of("/usr/bin/chromium");

    private final ChromeDriver driver;

    private HeadlessChromium(ChromeDriver driver) {
        this.driver = driver;
    }

    /**
     * Why the browser cannot be started here, or null when both binaries are there.
     *
     * @return the problem with the fix, or null
     */
    public static String missing() {
        if (Files.isExecutable(CHROMEDRIVER) && Files.isExecutable(CHROMIUM)) return null;
        return "Debian's chromium and chromium-driver are needed (" + CHROMIUM + ", " + CHROMEDRIVER
                + "): run bin/setup browser (as root it runs apt-get install -y chromium chromium-driver)";
    }

    /**
     * Starts the browser with a fresh profile in {@code userDataDir}.
     *
     * @param userDataDir an empty directory for Chromium's profile
     * @param width       the window's width in CSS pixels
     * @param height      the window's height
     * @return the browser
     * @throws IOException when the profile directory cannot be made
     */
    public static HeadlessChromium start(Path userDataDir, int width, int height) throws IOException {
        String problem = missing();
        if (problem != null) throw new IllegalStateException(problem);
        Files.createDirectories(userDataDir);
        System.setProperty("webdriver.chrome.driver", CHROMEDRIVER.toString());
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", "--window-size=" + width + "," + height,
                "--user-data-dir=" + userDataDir.toAbsolutePath());
        LoggingPreferences logs = new LoggingPreferences();
        logs.enable(LogType.BROWSER, Level.ALL);
        options.setCapability("goog:loggingPrefs", logs);
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile())
                .usingAnyFreePort().build();
        return new HeadlessChromium(new ChromeDriver(service, options));
    }

    /**
     * Opens a file.
     *
     * @param file an HTML file
     */
    public void open(Path file) {
        driver.get(file.toUri().toString());
    }

    /** {@return the browser console's SEVERE entries since the last call (errors, failed loads)} */
    public List<String> severeConsoleEntries() {
        return driver.manage().logs().get(LogType.BROWSER).getAll().stream()
                .filter(e -> e.getLevel().intValue() >= Level.SEVERE.intValue()).map(LogEntry::toString).toList();
    }

    /**
     * Elements matching a CSS selector.
     *
     * @param css the selector
     * @return the elements, in document order
     */
    public List<WebElement> all(String css) {
        return driver.findElements(By.cssSelector(css));
    }

    /**
     * The one element matching a CSS selector.
     *
     * @param css the selector
     * @return the first element
     */
    public WebElement one(String css) {
        return driver.findElement(By.cssSelector(css));
    }

    /**
     * Counts the elements matching a CSS selector inside the page (faster than fetching them all).
     *
     * @param css the selector
     * @return how many there are
     */
    public long count(String css) {
        return (Long) driver.executeScript("return document.querySelectorAll(arguments[0]).length;", css);
    }

    /**
     * Saves a screenshot of one element, or of the whole page when {@code css} is null. The window
     * first grows to the page's height (at most 12000 pixels), as a headless window shows only
     * what fits in it, then returns to its size.
     *
     * @param css  the element's selector, or null
     * @param file the PNG to write
     * @throws IOException when it cannot be written
     */
    public void screenshot(String css, Path file) throws IOException {
        Files.createDirectories(file.getParent());
        JavascriptExecutor js = driver;
        js.executeScript("window.scrollTo(0, 0);");
        Dimension before = driver.manage().window().getSize();
        long h = (Long) js.executeScript("return document.documentElement.scrollHeight;");
        driver.manage().window().setSize(new Dimension(before.getWidth(), (int) Math.min(h + 40, 12000)));
        try {
            byte[] png = css == null ? driver.getScreenshotAs(OutputType.BYTES) : one(css).getScreenshotAs(OutputType.BYTES);
            Files.write(file, png);
        } finally {
            driver.manage().window().setSize(before);
        }
    }

    @Override
    public void close() {
        driver.quit();
    }
}
