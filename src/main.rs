fn main() {
    console_error_panic_hook_lite();
    leptos::mount::mount_to_body(linli::app::App);
}

/// Shows a panic in the console instead of a silent dead page, without the weight of a crate.
fn console_error_panic_hook_lite() {
    std::panic::set_hook(Box::new(|info| {
        web_sys::console::error_1(&info.to_string().into());
    }));
}
