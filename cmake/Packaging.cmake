# Installation layout beyond the binaries (which daemon/ and tools/ install), and the Debian
# package: `cmake --install BUILD --prefix /usr` or `cd BUILD && cpack -G DEB`.
# Included from the top-level CMakeLists.txt after the components.
#
# Layout (prefix /usr):
#   /usr/sbin/babelwatchd, /usr/bin/babelwatch          (daemon/, tools/)
#   /usr/lib/systemd/system/babelwatch.service          (systemd/)
#   /etc/babelwatch/babelwatch.toml                      (systemd/, a conffile; absolute:
#                                                        BABELWATCH_CONFIG_INSTALL_DIR)
#   /usr/share/man/man8/babelwatchd.8, man1/babelwatch.1
#   /usr/share/doc/babelwatch/                          README, OPERATIONS, METRICS
#   /usr/share/doc/babelwatch/examples/{prometheus,grafana}/

include(GNUInstallDirs)

# `make install` and cpack install what is built, without building every test and benchmark
# first: build babelwatchd and babelwatch (or everything) before installing.
set(CMAKE_SKIP_INSTALL_ALL_DEPENDENCY ON)

install(FILES ${PROJECT_SOURCE_DIR}/man/babelwatchd.8 DESTINATION ${CMAKE_INSTALL_MANDIR}/man8)
install(FILES ${PROJECT_SOURCE_DIR}/man/babelwatch.1 DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
install(FILES ${PROJECT_SOURCE_DIR}/README.md ${PROJECT_SOURCE_DIR}/docs/OPERATIONS.md
              ${PROJECT_SOURCE_DIR}/docs/METRICS.md
        DESTINATION ${CMAKE_INSTALL_DOCDIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/monitoring/prometheus ${PROJECT_SOURCE_DIR}/monitoring/grafana
        DESTINATION ${CMAKE_INSTALL_DOCDIR}/examples)

set(CPACK_PACKAGE_NAME babelwatch)
set(CPACK_PACKAGE_VENDOR "babelwatch")
set(CPACK_PACKAGE_CONTACT "babelwatch maintainers <babelwatch@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "cross-language news spread detector (daemon)")
string(CONCAT CPACK_PACKAGE_DESCRIPTION
    "babelwatchd polls news feeds, clusters stories into events across languages and alerts\n"
    "when an event spreads across languages. Runs as a hardened systemd service and exposes\n"
    "Prometheus metrics, a JSON API and a status page on 127.0.0.1:9797.")
set(CPACK_STRIP_FILES ON)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_GENERATOR DEB)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
# Library dependencies from the binaries themselves (dpkg-shlibdeps).
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "systemd")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    ${PROJECT_SOURCE_DIR}/systemd/debian/conffiles
    ${PROJECT_SOURCE_DIR}/systemd/debian/postinst
    ${PROJECT_SOURCE_DIR}/systemd/debian/prerm
    ${PROJECT_SOURCE_DIR}/systemd/debian/postrm)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
include(CPack)
