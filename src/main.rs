fn main() {
    // In a Web Worker (the sweep's) there is no window: the module only serves `sweep_point`.
    if web_sys::window().is_none() {
        return;
    }
    yew::Renderer::<producer_lab::App>::new().render();
}
