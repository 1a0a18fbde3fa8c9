// Asio and Beast are compiled once here (BOOST_*_SEPARATE_COMPILATION is set project-wide).
#include <boost/asio/impl/src.hpp>
#include <boost/beast/src.hpp>
